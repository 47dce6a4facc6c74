"""plot stage: the figures of the comparison, as PNGs that `dvc plots show` embeds.

``curves.png``: CNN train/validation loss and accuracy per epoch (the study's figures 1-2);
``confusion.png``: both models' row-normalised confusion matrices; ``per_class_accuracy.png``:
per-class accuracy (recall), CNN vs SVM; ``misclassified.png``: test images each model got
wrong, with true and predicted labels.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from stages.common import atomic_path, run_stage
from stages.dataset import CLASS_NAMES, MODELS, load_split
from stages.errors import DataError
from stages.params import load_params

log = logging.getLogger(__name__)
SIZES = {  # inches; the PNG is this times the dpi
    "curves.png": (12.0, 4.5),
    "confusion.png": (16.0, 7.0),
    "per_class_accuracy.png": (9.0, 6.0),
    "misclassified.png": (14.0, 7.5),
}


def read_table(path: Path, sep: str = ",") -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=sep)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found (run `dvc repro` to write it)") from None


def curves_figure(live_dir: Path) -> Figure:
    fig = Figure(figsize=SIZES["curves.png"], layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "accuracy"), strict=True):
        for split, label in (("train", "train"), ("eval", "validation")):
            series = read_table(live_dir / "plots" / "metrics" / split / f"{metric}.tsv", "\t")
            ax.plot(series["step"] + 1, series[metric], marker="o", label=label)
        ax.set(title=f"CNN {metric} per epoch", xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def confusion_figure(predictions: dict[str, pd.DataFrame]) -> Figure:
    fig = Figure(figsize=SIZES["confusion.png"], layout="constrained")
    for ax, (name, frame) in zip(fig.subplots(1, 2), predictions.items(), strict=True):
        ConfusionMatrixDisplay.from_predictions(
            frame["actual"],
            frame["predicted"],
            labels=list(CLASS_NAMES),
            normalize="true",
            values_format=".2f",
            cmap="Blues",
            colorbar=False,
            ax=ax,
            xticks_rotation=45,
        )
        accuracy = (frame["actual"] == frame["predicted"]).mean()
        ax.set_title(f"{MODELS[name]} (test accuracy {accuracy:.2%}), rows sum to 1")
    return fig


def per_class_figure(per_class: pd.DataFrame) -> Figure:
    fig = Figure(figsize=SIZES["per_class_accuracy.png"], layout="constrained")
    ax = fig.subplots()
    recall = per_class.pivot(index="class", columns="model", values="recall")
    recall = recall.reindex(list(CLASS_NAMES)[::-1]).rename(columns=MODELS)
    recall.plot.barh(ax=ax, width=0.8)
    low = max(0.0, np.floor(recall.min().min() * 10 - 0.5) / 10)  # zoom in on the differences
    ax.set(title="Per-class test accuracy (recall)", xlabel="accuracy", xlim=(low, 1), ylabel="")
    ax.grid(axis="x", alpha=0.3)
    return fig


def misclassified_figure(
    images: np.ndarray, predictions: dict[str, pd.DataFrame], grid: int
) -> Figure:
    fig = Figure(figsize=SIZES["misclassified.png"], layout="constrained")
    for subfig, (name, frame) in zip(fig.subfigures(1, 2), predictions.items(), strict=True):
        wrong = frame[frame["actual"] != frame["predicted"]].head(grid * grid)
        subfig.suptitle(f"{MODELS[name]}: first {len(wrong)} misclassified test images")
        axes = np.atleast_1d(subfig.subplots(grid, grid)).ravel()
        for ax in axes:
            ax.set_axis_off()
        for ax, row in zip(axes, wrong.itertuples(), strict=False):
            ax.imshow(images[row.index], cmap="gray_r", vmin=0, vmax=255)
            ax.set_title(f"true: {row.actual}\npred: {row.predicted}", fontsize=7)
    return fig


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True)
    parser.add_argument("--live", required=True, help="the CNN's dvclive directory")
    parser.add_argument("--predictions", required=True, help="directory of per-image CSVs")
    parser.add_argument("--per-class", required=True, help="per-class metrics CSV")
    parser.add_argument("--out", required=True, help="directory for the PNGs")
    args = parser.parse_args(argv)
    params = load_params(args.params)["plot"]
    images, _ = load_split(args.split, "test")
    predictions = {name: read_table(Path(args.predictions) / f"{name}.csv") for name in MODELS}

    figures = {
        "curves.png": curves_figure(Path(args.live)),
        "confusion.png": confusion_figure(predictions),
        "per_class_accuracy.png": per_class_figure(read_table(Path(args.per_class))),
        "misclassified.png": misclassified_figure(images, predictions, params.misclassified_grid),
    }
    for name, fig in figures.items():
        with atomic_path(Path(args.out) / name) as tmp:
            fig.savefig(tmp, dpi=params.dpi, format="png")
        log.info("wrote %s", Path(args.out) / name)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
