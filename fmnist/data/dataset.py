"""A data version's images as one :class:`Dataset`, whatever source they came from, and the
checks that refuse what no model should train on."""

from __future__ import annotations

import dataclasses
import functools

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

    def subset(self, keep: np.ndarray, labels: np.ndarray | None = None) -> Dataset:
        """The images where the boolean mask ``keep`` is true (with ``labels`` instead of the
        dataset's own, when given)."""
        return dataclasses.replace(
            self,
            images=self.images[keep],
            labels=(self.labels if labels is None else labels)[keep],
            origins=self.origins[keep],
            names=self.names[keep],
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


def clashes(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The images in order of (content, label), and where each neighbour in that order has the
    same content under another label: ``clash[i]`` is true for the pair ``order[i], order[i + 1]``."""
    ids = data.ids
    order = np.lexsort((data.labels, ids))
    same = ids[order][1:] == ids[order][:-1]
    return order, same & (data.labels[order][1:] != data.labels[order][:-1])


def label_conflicts(data: Dataset) -> np.ndarray:
    """A boolean mask of the images whose 28x28 content is in the data under more than one label
    (every copy of such an image, whatever its label)."""
    order, clash = clashes(data)
    return np.isin(data.ids, data.ids[order][1:][clash])


def empty_images(data: Dataset) -> np.ndarray:
    """A boolean mask of the images with nothing to see: every pixel one grey level."""
    flat = data.images.reshape(len(data), -1)
    return flat.min(axis=1) == flat.max(axis=1)


def check_dataset(data: Dataset, where: str) -> Dataset:
    """``data`` if a classifier can be trained and tested on it, else :class:`DataError`: fewer
    than two classes, a class with no training image, the same image under two labels (two
    pictures that the 28x28 preparation makes identical, e.g. one item at two places of a
    larger picture, count as the same; ``data.conflicts: drop`` leaves them out instead)."""
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
    order, clash = clashes(data)
    if clash.any():
        first = int(np.flatnonzero(clash)[0])
        a, b = order[first], order[first + 1]
        raise DataError(
            f"{where}: the same 28x28 image under two labels: {data.names[a]} "
            f"({data.classes[data.labels[a]]}) and {data.names[b]} ({data.classes[data.labels[b]]}); "
            f"{int(clash.sum())} such pair(s) in all; data.conflicts: drop leaves them out"
        )
    return data
