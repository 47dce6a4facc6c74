"""IDX files as a dataset: ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (``.gz``
or not), and ``t10k-...`` beside them for a test set given apart (Fashion-MNIST's and MNIST's
names). Without the ``t10k`` pair the train pair is one pool that the split divides. Labels
index ``data.classes``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmnist.data.dataset import Dataset
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.idx import read_idx
from fmnist.errors import DataError
from fmnist.params.schema import DataParams
from fmnist.pictures.pixels import IMAGE_SHAPE

PREFIXES = {"train": "train", "test": "t10k"}


def idx_file(root: Path, prefix: str, kind: str) -> Path | None:
    """``<prefix>-<kind>-idxN-ubyte[.gz]`` in ``root``, or None."""
    matches = sorted(root.glob(f"{prefix}-{kind}-idx?-ubyte*"))
    return matches[0] if matches else None


def read_pair(
    root: Path, prefix: str, classes: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, str] | None:
    """The images and labels of one IDX pair, checked, and the images file's name; None when
    neither file is there."""
    images_path, labels_path = idx_file(root, prefix, "images"), idx_file(root, prefix, "labels")
    if images_path is None and labels_path is None:
        return None
    if images_path is None or labels_path is None:
        have, lacks = (images_path, "labels") if labels_path is None else (labels_path, "images")
        raise DataError(f"{have}: no {prefix}-{lacks}-idx?-ubyte[.gz] beside it")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{images_path}: expected images of shape (n, 28, 28), got {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected a 1-d label array, got shape {labels.shape}")
    if len(labels) != len(images):
        raise DataError(
            f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path.name}"
        )
    bad = np.flatnonzero(labels >= len(classes))
    if bad.size:
        raise DataError(
            f"{labels_path}: label {int(labels[bad[0]])} at index {int(bad[0])} is outside "
            f"0-{len(classes) - 1} (data.classes names {len(classes)} classes)"
        )
    return images, labels.astype(np.int64), images_path.name


def read_idx_source(root: Path, classes: tuple[str, ...]) -> Dataset:
    """The IDX dataset in folder ``root``."""
    if not root.is_dir():
        raise DataError(f"{root}: data.source 'idx' needs a folder of IDX files")
    train = read_pair(root, PREFIXES["train"], classes)
    if train is None:
        raise DataError(f"{root}: no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]")
    test = read_pair(root, PREFIXES["test"], classes)
    pairs = {"train": train, "test": test} if test is not None else {"pool": train}
    parts = {
        origin: (x, y, [f"{name}[{i}]" for i in range(len(y))])
        for origin, (x, y, name) in pairs.items()
    }
    return Dataset.of_parts(parts, classes)


def read(root: Path, params: DataParams) -> Dataset:
    """The IDX dataset at ``data.path``: Fashion-MNIST's own files with its class names, or
    anyone's with ``data.classes``."""
    fashion = params.source == "fashion-mnist"
    return read_idx_source(root, FASHION_MNIST_CLASSES if fashion else tuple(params.classes))
