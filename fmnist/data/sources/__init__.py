"""The images a pipeline trains on, from wherever ``data.source`` says, as one :class:`Dataset`.

- ``fashion-mnist``: the four IDX files the download stage verified, with Fashion-MNIST's names;
- ``folder``: a folder of class sub-folders of pictures (:mod:`.folder`);
- ``csv``: Kaggle-style CSV files, label then pixel1..pixel784 (:mod:`.table`);
- ``idx``: IDX files (:mod:`.arrays`).

Each source says, per image, whether its owner put it in train, in test, or in one pool that the
split divides (:data:`ORIGINS`). :func:`check_dataset` refuses what no model should train on,
with one line that names the files.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from fmnist.data.content import image_ids
from fmnist.errors import DataError

ORIGINS = ("train", "test", "pool")
MIN_CLASSES = 2
SHOWN = 5  # names quoted in an error line before "and N more"


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Every image of a data version: uint8 (n, 28, 28), integer labels indexing ``classes``,
    where its owner put it (``origins``: train, test or pool) and where it came from
    (``names``: a file, or a file and a row, for error messages)."""

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    origins: np.ndarray
    names: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    @functools.cached_property
    def ids(self) -> np.ndarray:
        """Each image's content id (:func:`fmnist.data.content.image_ids`), hashed once."""
        return image_ids(self.images)

    @classmethod
    def of_parts(
        cls, parts: dict[str, tuple[np.ndarray, np.ndarray, list[str]]], classes: tuple[str, ...]
    ) -> Dataset:
        """One dataset of parts, each origin's (images, labels, names)."""
        return cls(
            images=np.concatenate([x for x, _, _ in parts.values()]),
            labels=np.concatenate([y for _, y, _ in parts.values()]),
            classes=classes,
            origins=np.concatenate(
                [np.full(len(y), origin, dtype=object) for origin, (_, y, _) in parts.items()]
            ),
            names=np.array([name for _, _, names in parts.values() for name in names], dtype=object),
        )


def quoted(names: list[str]) -> str:
    """The first :data:`SHOWN` of ``names``, and how many more there are."""
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def classes_without(classes: tuple[str, ...], labels: np.ndarray) -> list[str]:
    """The names of the classes that no label in ``labels`` is."""
    held = np.zeros(len(classes), bool)
    held[labels] = True
    return [name for name, ok in zip(classes, held, strict=True) if not ok]


def check_dataset(data: Dataset, where: str) -> Dataset:
    """``data`` if a classifier can be trained and tested on it, else :class:`DataError`: fewer
    than two classes, a class with no training image, the same image under two labels (two
    pictures that the 28x28 preparation makes identical, e.g. one item at two places of a
    larger picture, count as the same)."""
    if len(data.classes) < MIN_CLASSES:
        raise DataError(
            f"{where}: {len(data.classes)} class ({', '.join(data.classes) or 'none'}); "
            f"a classifier needs at least {MIN_CLASSES}"
        )
    if not len(data):
        raise DataError(f"{where}: no images")
    missing = classes_without(data.classes, data.labels[data.origins != "test"])
    if missing:
        raise DataError(
            f"{where}: class {quoted(missing)} has no training image "
            "(only test images, or none at all)"
        )
    ids = data.ids
    order = np.lexsort((data.labels, ids))
    same = ids[order][1:] == ids[order][:-1]
    clash = same & (data.labels[order][1:] != data.labels[order][:-1])
    if clash.any():
        first = int(np.flatnonzero(clash)[0])
        a, b = order[first], order[first + 1]
        raise DataError(
            f"{where}: the same 28x28 image under two labels: {data.names[a]} "
            f"({data.classes[data.labels[a]]}) and {data.names[b]} ({data.classes[data.labels[b]]}); "
            f"{int(clash.sum())} such pair(s) in all"
        )
    return data


def read_dataset(source: str, path: str | Path, classes: list[str]) -> Dataset:
    """The checked dataset of ``data.source`` at ``data.path``; ``classes`` names the labels of
    csv and idx sources."""
    from fmnist.data.dataset import FASHION_MNIST_CLASSES

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: not found (data.path); for your own data run `dvc add {path}`")
    if source == "folder":
        from fmnist.data.sources.folder import read_folder

        data = read_folder(path)
    elif source == "csv":
        from fmnist.data.sources.table import read_csv_source

        data = read_csv_source(path, tuple(classes))
    else:
        from fmnist.data.sources.arrays import read_idx_source

        names = FASHION_MNIST_CLASSES if source == "fashion-mnist" else tuple(classes)
        data = read_idx_source(path, names)
    return check_dataset(data, str(path))
