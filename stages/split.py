"""split stage: read the dataset ``data.source`` names and write train/val/test arrays, each
image's split drawn from its own content (see :mod:`fmnist.data.split`).

Fashion-MNIST keeps its official 10,000 test images; ``split.val_fraction`` of its 60,000
training images become validation. Your own data (``data.path``, tracked with ``dvc add``) is
read by :mod:`fmnist.data.sources`, every picture made 28x28 grey as ``data.prepare`` says. The
class names go to ``classes.json`` beside the arrays, and the preparation to ``prepared.json``
(the models' records copy it, so ``fmnist predict`` prepares pictures the same way). Images left
out before the split (empty once prepared; with ``data.conflicts: drop``, one content under two
labels) are each named in the log and in ``--excluded`` (a CSV in git), and kept with their
pixels in ``excluded.npz`` for the audit.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from fmnist.data.sources import data_preparation
from fmnist.data.split import class_counts, split_arrays, split_dataset
from fmnist.data.split_files import save_classes, save_excluded, save_prepared, save_split
from fmnist.files import atomic_path, write_json
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", required=True, help="directory for train/val/test .npz")
    parser.add_argument("--metrics", required=True, help="JSON file of class counts")
    parser.add_argument("--excluded", required=True, help="CSV of the images left out, and why")
    args = parser.parse_args(argv)
    params = load_params(args.params)

    data, split, excluded = split_dataset(params)
    summary: dict = {}
    for row in excluded.table().itertuples():
        log.warning("excluded (%s): %s (%s, image %s)", row.reason, row.name, row.label, row.image)
    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        for name, (images, labels) in split_arrays(data, split).items():
            save_split(Path(tmp) / f"{name}.npz", images, labels)
            summary[name] = {"total": len(labels), "per_class": class_counts(labels, data.classes)}
            log.info("%s: %d images", name, len(labels))
        save_excluded(tmp, excluded.data.images, excluded.data.labels, excluded.reasons)
        save_classes(tmp, data.classes)
        save_prepared(tmp, data_preparation(params.data).to_record())
    summary["excluded"] = excluded.counts()
    with atomic_path(args.excluded) as tmp:
        excluded.table().to_csv(tmp, index=False)
    write_json(args.metrics, summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
