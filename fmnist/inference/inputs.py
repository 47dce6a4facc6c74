"""What ``fmnist predict`` reads: image files, folders of them, IDX files and ``.npz`` arrays.

Every input becomes :class:`Item` rows of 28x28 uint8 images (see :mod:`fmnist.pictures.prepare`).
A file that cannot be read raises :class:`SkippedInput` with one line saying why; the caller
reports it and goes on with the other files.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from fmnist.data.idx import read_idx
from fmnist.errors import DataError
from fmnist.pictures.pixels import IMAGE_SHAPE
from fmnist.pictures.prepare import Prepared, PrepareSpec
from fmnist.pictures.read import SkippedInput, picture_suffixes, read_picture

IDX_NAME = re.compile(r"(idx\d-ubyte|\.idx\d?)(\.gz)?$")
ARRAY_SUFFIXES = (".npz",)


@dataclasses.dataclass(frozen=True)
class Item:
    """One image to classify: where it came from, the 28x28 image, whether it was inverted, and
    a warning about it to show (e.g. a picture that is all background)."""

    source: str  # the file
    index: int  # position inside an IDX or .npz file; 0 for an image file
    image: np.ndarray  # (28, 28) uint8
    inverted: bool
    warning: str | None = None

    @classmethod
    def of(cls, source: Path, index: int, prepared: Prepared) -> Item:
        return cls(str(source), index, prepared.image, prepared.inverted, prepared.warning)


def is_idx(path: Path) -> bool:
    return bool(IDX_NAME.search(path.name))


def is_readable_kind(path: Path) -> bool:
    """Whether a file found in a folder is one predict reads: an image, IDX or .npz file."""
    suffix = path.suffix.lower()
    return suffix in ARRAY_SUFFIXES or is_idx(path) or suffix in picture_suffixes()


def expand(paths: Sequence[str | Path]) -> tuple[list[Path], list[SkippedInput]]:
    """The files named and the readable files under each folder named (sorted, recursive), and
    a :class:`SkippedInput` for each path that is missing or an empty folder."""
    files, skipped = [], []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_readable_kind(p))
            files.extend(found)
            if not found:
                skipped.append(SkippedInput(f"{path}: no image, IDX or .npz file in this folder"))
        elif path.exists():
            files.append(path)
        else:
            skipped.append(SkippedInput(f"{path}: no such file or folder"))
    return files, skipped


def check_images(array: np.ndarray, source: Path, what: str) -> np.ndarray:
    """An (n, 28, 28) uint8 array, or :class:`SkippedInput` naming the shape or type found."""
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2 and array.shape == IMAGE_SHAPE:
        array = array[np.newaxis]
    if array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE:
        raise SkippedInput(f"{source}: {what} has shape {array.shape}, expected (n, 28, 28) images")
    if array.dtype == np.uint8:
        return array
    if (
        np.issubdtype(array.dtype, np.floating)
        and array.size
        and 0 <= array.min() <= array.max() <= 1
    ):
        return np.round(array * 255).astype(np.uint8)  # pixels scaled to [0, 1]
    raise SkippedInput(
        f"{source}: {what} has dtype {array.dtype}, expected uint8 (0-255) or floats in [0, 1]"
    )


def read_arrays(path: Path) -> np.ndarray:
    """The images of an IDX file (``.gz`` or not) or of a ``.npz`` file's ``images`` array."""
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                if "images" not in data.files:
                    keys = ", ".join(data.files) or "none"
                    raise SkippedInput(f"{path}: no 'images' array in this .npz (arrays: {keys})")
                array = data["images"]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SkippedInput(f"{path}: not a readable .npz file ({exc})") from None
        return check_images(array, path, "'images'")
    try:
        array = read_idx(path)
    except DataError as exc:
        raise SkippedInput(str(exc)) from None
    return check_images(array, path, "the IDX array")


def read_items(path: Path, spec: PrepareSpec) -> list[Item]:
    """Every image in one file, prepared by ``spec`` as the models' 28x28 input."""
    if path.suffix.lower() in ARRAY_SUFFIXES or is_idx(path):
        images = read_arrays(path)
        if not len(images):
            raise SkippedInput(f"{path}: holds no images")
        return [Item.of(path, i, spec(img)) for i, img in enumerate(images)]
    return [Item.of(path, 0, spec(read_picture(path, spec.invert)))]


def read_all(files: Iterable[Path], spec: PrepareSpec) -> Iterator[list[Item] | SkippedInput]:
    """:func:`read_items` of each file in order, or the :class:`SkippedInput` saying why not.

    One thread: decoding 10,000 small PNGs took 2.6 s so, and longer with 2 or 4 threads
    (Python-bound work per file; measured on a 2-core Zen 4).
    """
    for path in files:
        try:
            yield read_items(path, spec)
        except SkippedInput as exc:
            yield exc
