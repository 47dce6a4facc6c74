"""split stage: parse the raw IDX files and write seeded, stratified train/val/test arrays.

``split.train_limit`` (0 = all) first draws a stratified subset of the 60,000 original training
images, for quick runs; ``split.val_fraction`` of what remains becomes the validation set. The
10,000 test images are always kept whole.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from stages.common import atomic_path, run_stage, write_json
from stages.dataset import CLASS_NAMES, read_raw, save_split
from stages.errors import ParamsError
from stages.params import load_params

log = logging.getLogger(__name__)


def split_indices(
    labels: np.ndarray, val_fraction: float, train_limit: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the train and validation sets, both stratified by label, sorted."""
    pool = np.arange(len(labels))
    if train_limit:
        if train_limit > len(labels):
            raise ParamsError(
                f"params.yaml: split.train_limit = {train_limit} is not allowed; "
                f"expected 0 (all) or at most {len(labels)}"
            )
        if train_limit < len(labels):
            pool, _ = train_test_split(
                pool, train_size=train_limit, stratify=labels, random_state=seed
            )
    train, val = train_test_split(
        pool, test_size=val_fraction, stratify=labels[pool], random_state=seed
    )
    return np.sort(train), np.sort(val)


def class_counts(labels: np.ndarray) -> dict[str, int]:
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    return {name: int(n) for name, n in zip(CLASS_NAMES, counts, strict=True)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--raw", required=True, help="directory with the four .gz files")
    parser.add_argument("--out", required=True, help="directory for train/val/test .npz")
    parser.add_argument("--metrics", required=True, help="JSON file of class counts")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    split, seed = params["split"], params["base"].seed

    train_images, train_labels = read_raw(args.raw, "train")
    test_images, test_labels = read_raw(args.raw, "t10k")
    train_idx, val_idx = split_indices(train_labels, split.val_fraction, split.train_limit, seed)
    arrays = {
        "train": (train_images[train_idx], train_labels[train_idx]),
        "val": (train_images[val_idx], train_labels[val_idx]),
        "test": (test_images, test_labels),
    }
    summary = {}
    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        for name, (images, labels) in arrays.items():
            save_split(Path(tmp) / f"{name}.npz", images, labels)
            summary[name] = {"total": len(labels), "per_class": class_counts(labels)}
            log.info("%s: %d images", name, len(labels))
    write_json(args.metrics, summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
