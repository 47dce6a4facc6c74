"""Which split each image goes to, decided by its own content.

An image's draw in [0, 1) comes from a hash of its pixels keyed by ``base.seed``
(:func:`fmnist.data.content.content_draws`), never from its place among the others. So adding or
removing images moves no other image between train, validation and test, a before/after
comparison runs on the same test images, and two copies of one picture always land in the same
split (no copy in train of a test image).

- Images given as test stay test; images given as train are validation when their draw is below
  ``split.val_fraction``, else train.
- A pool (no test given) first gives ``split.test_fraction`` of its images to test, then divides
  the rest as above.
- Before that, pictures with nothing to train on are left out and named (:func:`exclude`): an
  image that is empty after preparation (one grey level), and, with ``data.conflicts: drop``,
  every copy of an image that the data holds under two labels (``refuse``, the default, stops
  with an error naming them).
- ``split.train_limit`` (0 = all) keeps that many of the non-test images, the same share of each
  class, chosen by a second draw, before the split: for quick runs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from fmnist.data.content import content_draws
from fmnist.data.corrections import apply_corrections, read_corrections
from fmnist.data.dataset import (
    Dataset,
    check_dataset,
    classes_without,
    empty_images,
    label_conflicts,
    quoted,
)
from fmnist.data.sources import read_dataset
from fmnist.data.split_files import CONFLICT, EMPTY, EXCLUSIONS, SPLITS
from fmnist.errors import DataError, ParamsError
from fmnist.params import Params

LEFT_OUT = ""  # an image train_limit did not keep


@dataclasses.dataclass(frozen=True)
class Excluded:
    """The images the split left out before splitting, and why (:data:`EXCLUSIONS`)."""

    data: Dataset
    reasons: np.ndarray

    def counts(self) -> dict[str, int]:
        return {reason: int((self.reasons == reason).sum()) for reason in EXCLUSIONS}

    def table(self) -> pd.DataFrame:
        """One row per image: where it came from, its content id, its label, why."""
        return pd.DataFrame(
            {
                "name": self.data.names,
                "image": self.data.ids,
                "label": np.asarray(self.data.classes, dtype=object)[self.data.labels],
                "reason": self.reasons,
            },
            columns=["name", "image", "label", "reason"],
        )


def exclude(data: Dataset, conflicts: str) -> tuple[Dataset, Excluded]:
    """``data`` less its empty images and, when ``conflicts`` is 'drop', less every copy of an
    image it holds under two labels; and those left out."""
    reasons = np.full(len(data), "", dtype=object)
    reasons[empty_images(data)] = EMPTY
    if conflicts == "drop":
        reasons[(reasons == "") & label_conflicts(data)] = CONFLICT
    out = reasons != ""
    return data.subset(~out), Excluded(data.subset(out), reasons[out])


def content_subset(labels: np.ndarray, draws: np.ndarray, size: int, key: str) -> np.ndarray:
    """A boolean mask of ``size`` items, the same share of each label: within each label the
    items are ranked by ``draws``, and the ``size`` lowest ranks relative to their label's count
    are kept. ``size`` 0 or ``len(labels)`` keeps all; ``key`` names the param, for the error."""
    if size == 0 or size == len(labels):
        return np.ones(len(labels), bool)
    classes = len(np.unique(labels))
    if not classes <= size < len(labels):
        raise ParamsError(
            f"{key} = {size} is not allowed; expected 0 (all) or from {classes} "
            f"(one image per class) to {len(labels)} (the images there are)"
        )
    quantile = np.empty(len(labels))
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ranks = np.argsort(np.argsort(draws[members], kind="stable"), kind="stable")
        quantile[members] = (ranks + 0.5) / len(members)
    keep = np.zeros(len(labels), bool)
    keep[np.lexsort((draws, quantile))[:size]] = True
    return keep


def assign_splits(
    data: Dataset, val_fraction: float, test_fraction: float, train_limit: int, seed: int
) -> np.ndarray:
    """Each image's split: 'train', 'val', 'test', or '' when ``train_limit`` left it out."""
    draw = content_draws(data.images, seed, "split")
    split = np.full(len(data), "train", dtype=object)
    pool = data.origins == "pool"
    to_test = (data.origins == "test") | (pool & (draw < test_fraction))
    split[to_test] = "test"
    # the rest of a pool's draws, stretched back over [0, 1): independent of the test cut
    rest = np.where(pool, (draw - test_fraction) / (1 - test_fraction), draw)
    split[~to_test & (rest < val_fraction)] = "val"
    candidates = np.flatnonzero(~to_test)
    subset = content_subset(
        data.labels[candidates],
        content_draws(data.images[candidates], seed, "subset"),
        train_limit,
        "split.train_limit",
    )
    split[candidates[~subset]] = LEFT_OUT
    return split


def check_splits(data: Dataset, split: np.ndarray, where: str) -> None:
    """Every class has a training image and there is a validation and a test image, else a
    :class:`DataError` saying what to change."""
    for name in SPLITS:
        if not (split == name).any():
            raise DataError(
                f"{where}: the split left no {name} image "
                "(too few images for split.val_fraction / split.test_fraction)"
            )
    missing = classes_without(data.classes, data.labels[split == "train"])
    if missing:
        raise DataError(
            f"{where}: class {quoted(missing)} has no training image after the split "
            "(each of its images drew validation or test): add images of it"
        )


def split_dataset(params: Params) -> tuple[Dataset, np.ndarray, Excluded]:
    """The dataset ``params.data`` names, its corrections applied, its unusable images excluded
    (:func:`exclude`), each image's split, checked; and what was excluded: what the split stage
    writes."""
    data = read_dataset(params.data)
    if params.data.corrections:
        corrections = read_corrections(params.data.corrections)
        data = apply_corrections(data, corrections, params.data.corrections)
    data, excluded = exclude(data, params.data.conflicts)
    data = check_dataset(data, params.data.path)
    split = assign_splits(
        data,
        params.split.val_fraction,
        params.split.test_fraction,
        params.split.train_limit,
        params.base.seed,
    )
    check_splits(data, split, params.data.path)
    return data, split, excluded


def split_arrays(data: Dataset, split: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each split's (images, labels), in :data:`~fmnist.data.split_files.SPLITS` order."""
    return {name: (data.images[split == name], data.labels[split == name]) for name in SPLITS}


def class_counts(labels: np.ndarray, classes: tuple[str, ...] | list[str]) -> dict[str, int]:
    counts = np.bincount(labels, minlength=len(classes))
    return {name: int(n) for name, n in zip(classes, counts, strict=True)}
