"""The figures of the comparison, as matplotlib figures the plot stage saves as PNGs.

``curves.png``: CNN train/validation loss and accuracy per epoch (the study's figures 1-2);
``confusion.png``: both models' row-normalised confusion matrices; ``per_class_accuracy.png``:
per-class accuracy (recall), CNN vs SVM; ``misclassified.png``: test images each model got
wrong, with true and predicted labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from fmnist.files import require_file
from fmnist.models.kinds import MODELS

# one colour per model in every figure: the plot stage's, the CI report's and the study report's
SIZES = {  # inches; the PNG is this times the dpi: at most 1,200 pixels wide at the default 100
    "curves.png": (12.0, 4.5),
    "confusion.png": (12.0, 5.8),
    "per_class_accuracy.png": (9.0, 6.0),
    "misclassified.png": (12.0, 6.8),
}
ANNOTATED_CLASSES = 15  # a confusion matrix with more classes shows colours, not numbers
CLASSES_PER_INCH = 4  # rows of the per-class bars per inch of height, beyond SIZES


def grown(size: tuple[float, float], classes: int) -> tuple[float, float]:
    """``size`` made taller for many classes, so that each keeps a readable row."""
    return size[0], max(size[1], classes / CLASSES_PER_INCH)


def read_table(path: Path, stage: str, sep: str = ",") -> pd.DataFrame:
    """A CSV (or TSV) input that ``stage`` writes."""
    return pd.read_csv(require_file(path, stage), sep=sep)


def curves_figure(live_dir: Path) -> Figure:
    fig = Figure(figsize=SIZES["curves.png"], layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "accuracy"), strict=True):
        for split, label in (("train", "train"), ("eval", "validation")):
            path = live_dir / "plots" / "metrics" / split / f"{metric}.tsv"
            series = read_table(path, "train_cnn", "\t")
            ax.plot(series["step"] + 1, series[metric], marker="o", label=label)
        ax.set(title=f"CNN {metric} per epoch", xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def confusion_figure(predictions: dict[str, pd.DataFrame], classes: Sequence[str]) -> Figure:
    """Each model's confusion matrix, rows normalised, classes in ``classes``' order (numbers in
    the cells up to :data:`ANNOTATED_CLASSES` classes)."""
    many = len(classes) > ANNOTATED_CLASSES
    fig = Figure(figsize=grown(SIZES["confusion.png"], len(classes) // 2), layout="constrained")
    for ax, (name, frame) in zip(fig.subplots(1, 2), predictions.items(), strict=True):
        ConfusionMatrixDisplay.from_predictions(
            frame["actual"],
            frame["predicted"],
            labels=list(classes),
            normalize="true",
            include_values=not many,
            values_format=".2f",
            cmap="Blues",
            colorbar=False,
            ax=ax,
            xticks_rotation=45,
        )
        if many:
            ax.tick_params(labelsize=max(4, 9 - len(classes) // 15))
        accuracy = (frame["actual"] == frame["predicted"]).mean()
        ax.set_title(f"{MODELS[name].title} (test accuracy {accuracy:.2%}), rows sum to 1")
    return fig


def per_class_figure(per_class: pd.DataFrame, classes: Sequence[str]) -> Figure:
    fig = Figure(figsize=grown(SIZES["per_class_accuracy.png"], len(classes)), layout="constrained")
    ax = fig.subplots()
    recall = per_class.pivot(index="class", columns="model", values="recall")
    colours = [MODELS[model].colour for model in recall.columns]
    recall = recall.reindex(list(classes)[::-1]).rename(
        columns={key: kind.title for key, kind in MODELS.items()}
    )
    recall.plot.barh(ax=ax, width=0.8, color=colours)
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
        subfig.suptitle(f"{MODELS[name].title}: first {len(wrong)} misclassified test images")
        axes = np.atleast_1d(subfig.subplots(grid, grid)).ravel()
        for ax in axes:
            ax.set_axis_off()
        for ax, row in zip(axes, wrong.itertuples(), strict=False):
            ax.imshow(images[row.index], cmap="gray_r", vmin=0, vmax=255)
            ax.set_title(f"true: {row.actual}\npred: {row.predicted}", fontsize=7)
    return fig
