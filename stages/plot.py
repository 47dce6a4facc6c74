"""plot stage: the figures of the comparison, as PNGs that `dvc plots show` embeds.

``curves.png``: CNN train/validation loss and accuracy per epoch (the study's figures 1-2);
``confusion.png``: both models' row-normalised confusion matrices; ``per_class_accuracy.png``:
per-class accuracy (recall), CNN vs SVM; ``misclassified.png``: test images each model got
wrong, with true and predicted labels (see :mod:`fmnist.evaluation.figures`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from fmnist.data.split_files import load_classes, load_split
from fmnist.evaluation.figures import (
    confusion_figure,
    curves_figure,
    misclassified_figure,
    per_class_figure,
    read_table,
)
from fmnist.files import atomic_path
from fmnist.models.kinds import MODELS
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True)
    parser.add_argument("--live", required=True, help="the CNN's dvclive directory")
    parser.add_argument("--predictions", required=True, help="directory of per-image CSVs")
    parser.add_argument("--per-class", required=True, help="per-class metrics CSV")
    parser.add_argument("--out", required=True, help="directory for the PNGs")
    args = parser.parse_args(argv)
    params = load_params(args.params).plot
    images, _ = load_split(args.split, "test")
    classes = load_classes(args.split)
    predictions = {
        name: read_table(Path(args.predictions) / f"{name}.csv", "evaluate") for name in MODELS
    }

    figures = {
        "curves.png": curves_figure(Path(args.live)),
        "confusion.png": confusion_figure(predictions, classes),
        "per_class_accuracy.png": per_class_figure(
            read_table(Path(args.per_class), "evaluate"), classes
        ),
        "misclassified.png": misclassified_figure(images, predictions, params.misclassified_grid),
    }
    for name, fig in figures.items():
        with atomic_path(Path(args.out) / name) as tmp:
            fig.savefig(tmp, dpi=params.dpi, format="png")
        log.info("wrote %s", Path(args.out) / name)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
