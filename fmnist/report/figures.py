"""The study report's figure: test accuracy by configuration, each seed a point."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from fmnist.report.runs import Config


def accuracy_figure(
    runs: pd.DataFrame, groups: pd.DataFrame, model: str, x: str, hue: str, reference: Config
) -> Figure | None:
    """Test accuracy (mean ± std over seeds, and each seed) against ``x``, a line per ``hue``.

    Only the configurations that differ from ``reference`` in ``x`` and ``hue`` alone are drawn;
    None when fewer than two values of ``x`` were run.
    """
    fixed = {k: v for k, v in reference if k not in (x, hue)}

    def selected(config: Config) -> bool:
        return all(dict(config).get(k) == v for k, v in fixed.items())

    def drawn(frame: pd.DataFrame) -> pd.DataFrame:  # the selected rows, x and hue as columns
        frame = frame[(frame["model"] == model) & frame["config"].map(selected)]
        configs = frame["config"].map(dict)
        return frame.assign(x=configs.map(lambda c: c[x]), hue=configs.map(lambda c: c[hue]))

    groups, runs = drawn(groups), drawn(runs)
    if groups.empty or groups["x"].nunique() < 2:
        return None
    fig = Figure(figsize=(8.0, 5.0), layout="constrained")
    ax = fig.subplots()
    for offset, (value, line) in enumerate(groups.sort_values("x").groupby("hue", sort=True)):
        shift = (offset - 0.5) * 0.06  # keep the error bars of the lines apart
        std = line["accuracy_std"].fillna(0) * 100
        ax.errorbar(
            line["x"] + shift,
            line["accuracy_mean"] * 100,
            yerr=std,
            marker="o",
            capsize=4,
            label=f"{hue}={value} (mean ± std)",
        )
        points = runs[runs["hue"] == value]
        color = ax.lines[-1].get_color()
        ax.scatter(points["x"] + shift, points["accuracy"] * 100, s=12, alpha=0.5, color=color)
    ax.set_xticks(sorted(groups["x"].unique()))
    ax.set_xlabel(x)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"{model.upper()} test accuracy over seeds (dots: single seeds)")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
