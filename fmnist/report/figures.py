"""The study report's figures: the claims, a two-param sweep with every seed, a grid's heatmap.

Each is 800 pixels wide at the report's 100 dpi, its axes named with their units, and each model
drawn in its colour of every figure of the project (:data:`fmnist.models.kinds.MODELS`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from fmnist.models.kinds import MODELS
from fmnist.report.runs import Config, rounded

WIDTH = 8.0  # inches: 800 pixels at the report's dpi
DPI = 100
# how each axis reads, with its unit; keys not here are shown as the param's name
AXIS_NAMES = {
    "cnn.conv_layers": "conv layers (conv + max-pool blocks)",
    "cnn.dropout": "dropout rate",
    "cnn.learning_rate": "peak learning rate (Adam)",
    "cnn.batch_size": "batch size (images per step)",
    "cnn.epochs": "epochs",
}


def axis_name(key: str) -> str:
    return AXIS_NAMES.get(key, key)


def shades(colour: str, count: int) -> list[tuple[float, float, float]]:
    """``count`` shades of ``colour``, dark to light: lines of one model told apart."""
    rgb = np.array(to_rgb(colour))
    mixes = np.linspace(-0.35, 0.45, count) if count > 1 else [0.0]
    return [tuple(rgb * (1 + m) if m < 0 else rgb + (1 - rgb) * m) for m in mixes]


def claims_figure(rows: Sequence[dict]) -> Figure | None:
    """Each measured level claim: every seed's test accuracy (dots, the model's colour), their
    mean (a bar) and the study's number (a black diamond). ``rows``: ``label``, ``model``,
    ``reported`` (a fraction) and ``accuracies`` (a fraction per seed)."""
    if not rows:
        return None
    fig = Figure(figsize=(WIDTH, 0.5 * len(rows) + 1.8), layout="constrained")
    ax = fig.subplots()
    for y, row in enumerate(reversed(rows)):
        colour = MODELS[row["model"]].colour
        values = 100 * np.asarray(row["accuracies"])
        ax.scatter(values, np.full(len(values), y), s=30, color=colour, alpha=0.7, zorder=3)
        ax.plot([values.mean()] * 2, [y - 0.3, y + 0.3], color=colour, linewidth=2.5)
        ax.scatter([100 * row["reported"]], [y], marker="D", s=40, color="black", zorder=4)
    ax.set_yticks(range(len(rows)), [row["label"] for row in reversed(rows)])
    ax.set_xlabel("test accuracy (%), 10,000 test images")
    ax.grid(axis="x", alpha=0.3)
    handles = [
        ax.scatter([], [], s=30, color=MODELS[m].colour, label=f"{MODELS[m].title}: a seed")
        for m in dict.fromkeys(row["model"] for row in rows)
    ]
    handles += [
        ax.plot([], [], color="grey", linewidth=2.5, label="mean over seeds")[0],
        ax.scatter([], [], marker="D", s=40, color="black", label="the study's number"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    ax.set_title("Test accuracy: the study's number and each seed here")
    return fig


def sweep_figure(runs: pd.DataFrame, model: str, x: str, hue: str) -> Figure | None:
    """Test accuracy against ``x``, a line per ``hue`` value: the mean over seeds with its std,
    and every seed's point. ``runs`` holds the sweep's runs with the values of ``x`` and
    ``hue`` in columns "row" and "column" (:func:`fmnist.report.markdown.two_way`)."""
    if runs.empty or runs["row"].nunique() < 2:
        return None
    fig = Figure(figsize=(WIDTH, 5.0), layout="constrained")
    ax = fig.subplots()
    values = sorted(runs["column"].unique())
    for offset, (value, colour) in enumerate(
        zip(values, shades(MODELS[model].colour, len(values)), strict=True)
    ):
        points = runs[runs["column"] == value]
        line = points.groupby("row")["accuracy"].agg(["mean", "std"]).reset_index()
        shift = (offset - (len(values) - 1) / 2) * 0.06  # keep the lines' error bars apart
        ax.errorbar(
            line["row"] + shift,
            100 * line["mean"],
            yerr=100 * line["std"].fillna(0),
            marker="o",
            capsize=4,
            color=colour,
            label=f"{axis_name(hue)} {rounded(value)}: mean ± std",
        )
        ax.scatter(points["row"] + shift, 100 * points["accuracy"], s=14, color=colour, alpha=0.6)
    ax.set_xticks(sorted(runs["row"].unique()))
    ax.set_xlabel(axis_name(x))
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"{MODELS[model].title} test accuracy; small dots: single seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def heatmap_figure(means: pd.DataFrame, counts: pd.DataFrame, model: str) -> Figure:
    """A grid's mean test accuracy, a cell per (row, column) value; blank where not run."""
    fig = Figure(figsize=(WIDTH, 0.6 * len(means) + 2.4), layout="constrained")
    ax = fig.subplots()
    values = 100 * means.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="Blues" if model == "cnn" else "Oranges", aspect="auto")
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0
    for (i, j), value in np.ndenumerate(values):
        if math.isfinite(value):
            n = int(counts.iat[i, j])
            ax.text(
                j,
                i,
                f"{value:.2f}" + (f"\n(n={n})" if n != 1 else ""),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if value > middle else "black",
            )
    ax.set_xticks(range(means.shape[1]), [rounded(v) for v in means.columns])
    ax.set_yticks(range(means.shape[0]), [rounded(v) for v in means.index])
    ax.set_xlabel(axis_name(str(means.columns.name)))
    ax.set_ylabel(axis_name(str(means.index.name)))
    fig.colorbar(image, ax=ax, label="test accuracy (%)")
    ax.set_title(f"{MODELS[model].title} test accuracy, mean over seeds (one seed unless n is shown)")
    return fig


def selected(config: Config, reference: Config, free: Sequence[str]) -> bool:
    """Does ``config`` differ from ``reference`` in ``free`` keys only?"""
    fixed, values = dict(reference), dict(config)
    return set(fixed) == set(values) and all(
        values[k] == v for k, v in fixed.items() if k not in free
    )
