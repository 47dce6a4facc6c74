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

from fmnist.data.dataset import read_raw, save_split
from fmnist.data.split import class_counts, split_indices
from fmnist.files import atomic_path, write_json
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--raw", required=True, help="directory with the four .gz files")
    parser.add_argument("--out", required=True, help="directory for train/val/test .npz")
    parser.add_argument("--metrics", required=True, help="JSON file of class counts")
    args = parser.parse_args(argv)
    params = load_params(args.params)

    train_images, train_labels = read_raw(args.raw, "train")
    test_images, test_labels = read_raw(args.raw, "t10k")
    train_idx, val_idx = split_indices(
        train_labels, params.split.val_fraction, params.split.train_limit, params.base.seed
    )
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
