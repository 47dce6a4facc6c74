"""The seeded, stratified train/validation split and the stratified subsets used for quick runs."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from fmnist.data.dataset import CLASS_NAMES
from fmnist.errors import ParamsError


def stratified_subset(labels: np.ndarray, size: int, seed: int, key: str) -> np.ndarray:
    """Sorted indices of a seeded subset of ``size`` items with the label proportions kept.

    ``size`` 0 or ``len(labels)`` means all of them. ``key`` names the param that asked for the
    subset, for the error when ``size`` cannot be honoured.
    """
    if size == 0 or size == len(labels):
        return np.arange(len(labels))
    classes = len(np.unique(labels))
    if not classes <= size < len(labels):
        raise ParamsError(
            f"{key} = {size} is not allowed; expected 0 (all) or from {classes} "
            f"(one image per class) to {len(labels)} (the images there are)"
        )
    keep, _ = train_test_split(
        np.arange(len(labels)), train_size=size, stratify=labels, random_state=seed
    )
    return np.sort(keep)


def split_indices(
    labels: np.ndarray, val_fraction: float, train_limit: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the train and validation sets, both stratified by label, sorted.

    ``train_limit`` (0 = all) first draws a stratified subset of ``labels``.
    """
    pool = stratified_subset(labels, train_limit, seed, "split.train_limit")
    train, val = train_test_split(
        pool, test_size=val_fraction, stratify=labels[pool], random_state=seed
    )
    return np.sort(train), np.sort(val)


def class_counts(labels: np.ndarray) -> dict[str, int]:
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    return {name: int(n) for name, n in zip(CLASS_NAMES, counts, strict=True)}
