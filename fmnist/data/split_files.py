"""The split stage's files, which every later stage reads: the arrays of each split and the
class names (and how the pictures were prepared) beside them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from fmnist.files import require_file

SPLITS = ("train", "val", "test")  # the split stage's files: <split_dir>/<name>.npz
CLASSES_FILE = "classes.json"  # in the split directory: the class names, in label order
EXCLUDED = "excluded.npz"  # ... the images left out before the split, and why
# how its pictures were made 28x28 (data.prepare, data.invert)
PREPARED_FILE = "prepared.json"
# why the split excluded an image: nothing to see once prepared; its content under two labels
EMPTY, CONFLICT = "empty", "label_conflict"
EXCLUSIONS = (EMPTY, CONFLICT)


def save_split(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """One split's images and labels as ``.npz``: uint8 labels while they fit (Fashion-MNIST's
    files), else uint16."""
    dtype = np.uint8 if labels.size == 0 or labels.max() < 256 else np.uint16
    np.savez_compressed(path, images=images.astype(np.uint8), labels=labels.astype(dtype))


def save_classes(split_dir: str | Path, classes: tuple[str, ...] | list[str]) -> None:
    Path(split_dir, CLASSES_FILE).write_text(json.dumps(list(classes), indent=1) + "\n")


def load_classes(split_dir: str | Path) -> tuple[str, ...]:
    """The class names of the split in ``split_dir``, in label order."""
    return tuple(json.loads(require_file(Path(split_dir) / CLASSES_FILE, "split").read_text()))


def load_split(split_dir: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, 28, 28) and labels (n,) of split ``name`` ('train', 'val', 'test')."""
    with np.load(require_file(Path(split_dir) / f"{name}.npz", "split")) as data:
        return data["images"], data["labels"]


def save_excluded(
    split_dir: str | Path, images: np.ndarray, labels: np.ndarray, reasons: np.ndarray
) -> None:
    """The images the split left out, their labels and why (:data:`EXCLUDED`)."""
    np.savez_compressed(
        Path(split_dir, EXCLUDED),
        images=images.astype(np.uint8),
        labels=labels.astype(np.int64),
        reasons=np.asarray(reasons, dtype=str),
    )


def load_excluded(split_dir: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The images the split left out, their labels and why; none for a split made before the
    split excluded any."""
    path = Path(split_dir) / EXCLUDED
    if not path.is_file():
        return np.empty((0, 28, 28), np.uint8), np.empty(0, np.int64), np.empty(0, str)
    with np.load(path) as data:
        return data["images"], data["labels"], data["reasons"]


def save_prepared(split_dir: str | Path, record: Mapping[str, str]) -> None:
    """How the split's pictures were prepared (``PrepareSpec.to_record()``)."""
    Path(split_dir, PREPARED_FILE).write_text(json.dumps(dict(record), indent=1) + "\n")


def load_prepared(split_dir: str | Path) -> dict[str, str]:
    """How the split's pictures were prepared, as :func:`save_prepared` wrote it; {} (the
    Fashion-MNIST way) for a split made before that was recorded."""
    path = Path(split_dir) / PREPARED_FILE
    return json.loads(path.read_text()) if path.is_file() else {}
