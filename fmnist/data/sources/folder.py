"""A folder of class sub-folders of pictures, as Keras' ``image_dataset_from_directory`` and
torchvision's ``ImageFolder`` read them.

Two layouts: ``<path>/<class>/...`` is one pool that the split divides; ``<path>/train/<class>/...``
and ``<path>/test/<class>/...`` give train and test apart. Class names are the sub-folder names,
sorted as Keras sorts them (Python's string order). Pictures may sit deeper inside a class
folder; files whose extension is not a picture format (png, jpg, bmp, gif, webp, tiff and the
rest Pillow reads) and hidden files are not images and are skipped, as Keras skips them. Every
picture is made 28x28 grey as ``data.prepare`` and ``data.invert`` say
(:class:`fmnist.pictures.prepare.PrepareSpec`); the models' records keep that choice and
``fmnist predict`` prepares pictures the same way, so training and prediction share one
preparation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmnist.data.dataset import Dataset, quoted
from fmnist.errors import DataError
from fmnist.params.schema import DataParams
from fmnist.pictures.prepare import PrepareSpec
from fmnist.pictures.read import SkippedInput, picture_suffixes, read_picture

GIVEN_APART = ("train", "test")


def class_folders(root: Path) -> list[Path]:
    """The visible sub-folders of ``root``, sorted by name."""
    return sorted(
        (entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")),
        key=lambda entry: entry.name,
    )


def pictures_in(folder: Path, suffixes: frozenset[str]) -> list[Path]:
    """The picture files under ``folder`` at any depth, hidden ones left out, sorted."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def layout(root: Path) -> dict[str, Path]:
    """Origin -> folder of class folders: train and test apart, or one pool."""
    names = {folder.name for folder in class_folders(root)}
    if set(GIVEN_APART) <= names:
        return {origin: root / origin for origin in GIVEN_APART}
    return {"pool": root}


def read(root: Path, params: DataParams) -> Dataset:
    """The folder dataset at ``data.path``, prepared as ``data.prepare`` and ``data.invert`` say."""
    return read_folder(root, PrepareSpec(params.prepare, params.invert))


def read_folder(root: Path, spec: PrepareSpec | None = None) -> Dataset:
    """Every picture of the folder dataset at ``root``, prepared by ``spec`` (the Fashion-MNIST
    way by default) as the models' 28x28 input."""
    spec = spec or PrepareSpec()
    if not root.is_dir():
        raise DataError(f"{root}: data.source 'folder' needs a folder of class sub-folders")
    suffixes = picture_suffixes()
    parts = layout(root)
    found: dict[str, dict[str, list[Path]]] = {}
    for origin, folder in parts.items():
        classes = class_folders(folder)
        if not classes:
            raise DataError(f"{folder}: no class sub-folders (expected <class>/<picture> inside)")
        found[origin] = {entry.name: pictures_in(entry, suffixes) for entry in classes}
    empty = [
        str(parts[o] / name) for o, per in found.items() for name, files in per.items() if not files
    ]
    if empty and all(not files for per in found.values() for files in per.values()):
        raise DataError(f"{root}: no pictures in any class folder")
    if empty:
        raise DataError(f"an empty class folder (no pictures): {quoted(empty)}")
    train_classes = sorted(found.get("train", found.get("pool", {})))
    if "test" in found:
        extra = [name for name in found["test"] if name not in train_classes]
        if extra:
            raise DataError(
                f"{parts['test']}: class {quoted(extra)} is in test but not in {parts['train']}"
            )
    index = {name: i for i, name in enumerate(train_classes)}
    files = [
        (origin, index[name], path)
        for origin, per in found.items()
        for name, paths in per.items()
        for path in paths
    ]

    images = np.empty((len(files), 28, 28), np.uint8)
    unreadable = []
    for i, (_, _, path) in enumerate(files):
        try:
            images[i] = spec(read_picture(path, spec.invert)).image
        except SkippedInput as exc:
            unreadable.append(str(exc))
    if unreadable:
        raise DataError(f"{len(unreadable)} picture(s) cannot be read: " + "; ".join(unreadable))
    return Dataset(
        images=images,
        labels=np.array([label for _, label, _ in files], dtype=np.int64),
        classes=tuple(train_classes),
        origins=np.array([origin for origin, _, _ in files], dtype=object),
        names=np.array([str(path) for _, _, path in files], dtype=object),
    )
