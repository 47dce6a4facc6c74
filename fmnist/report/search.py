"""The study report's search section: an Optuna study's trials, importances and history.

The trials are DVC experiments like any others (the rest of the report counts them as runs);
this section adds what only the study knows: the metric each trial was chosen by (a
validation one), the order they ran in, which worker ran them, and the retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from fmnist.models.kinds import MODELS
from fmnist.report.runs import rounded

SHOWN_TRIALS = 10  # the best trials in the page; every trial stays in the study's storage


def trials_table(trials: Sequence[Any], metric: str, maximize: bool) -> pd.DataFrame:
    """One row per trial (Optuna ``FrozenTrial``), the best first, unfinished ones last."""
    rows = []
    for trial in trials:
        seconds = (
            (trial.datetime_complete - trial.datetime_start).total_seconds()
            if trial.datetime_complete and trial.datetime_start
            else None
        )
        rows.append(
            {
                "trial": trial.number,
                "experiment": trial.user_attrs.get("experiment", ""),
                "state": trial.state.name.lower(),
                **trial.params,
                metric: trial.value,
                "seconds": round(seconds) if seconds is not None else None,
                "retry of": trial.user_attrs.get("retry_of", ""),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(
        [metric, "trial"], ascending=[not maximize, True], na_position="last", kind="stable"
    ).reset_index(drop=True)


def history_figure(values: Sequence[tuple[int, float]], maximize: bool, metric: str) -> Figure:
    """Each complete trial's metric in the order they ran, and the best so far."""
    figure = Figure(figsize=(8, 4))  # 800 pixels wide at the report's dpi, as every figure
    ax = figure.add_subplot()
    numbers = [n for n, _ in values]
    scores = [v for _, v in values]
    best, running = [], None
    for score in scores:
        running = score if running is None else (max if maximize else min)(running, score)
        best.append(running)
    # the trials train CNNs: the CNN's colour of every figure; the running best in black
    ax.plot(numbers, scores, "o", color=MODELS["cnn"].colour, label="trial")
    ax.step(numbers, best, where="post", color="black", label="best so far")
    ax.set(
        xlabel="trial (in the order they ran)",
        ylabel=metric.split(":")[-1],
        title="Optimisation history",
    )
    ax.legend(loc="lower right" if maximize else "upper right")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def search_markdown(
    name: str,
    sampler: str,
    metric: str,
    table: pd.DataFrame,
    importances: Mapping[str, float],
    figure: str | None,
) -> str:
    """The section for one study: its :data:`SHOWN_TRIALS` best trials (params rounded to 3
    significant digits), the importances and the history."""
    complete = table[table["state"] == "complete"] if not table.empty else table
    shown = table.head(SHOWN_TRIALS).copy()
    for column in shown.columns:
        if column.startswith(("cnn.", "svm.")):
            shown[column] = shown[column].map(rounded)
    lines = [
        f"### Search `{name}`",
        "",
        f"{len(complete)} complete trials of {len(table)} ({sampler}); each is the DVC "
        f"experiment named in the table, chosen by `{metric}`, a validation metric: the test "
        f"set took no part in the choice. The {len(shown)} best, params rounded (the exact "
        "values are in the study's storage and the experiments).",
        "",
        shown.to_markdown(index=False, floatfmt=".4g", disable_numparse=False)
        if not table.empty
        else "No trial.",
        "",
    ]
    if importances:
        lines += [
            "Parameter importances (Optuna's fANOVA over the complete trials):",
            "",
            pd.DataFrame({"param": list(importances), "importance": list(importances.values())})
            .round(3)
            .to_markdown(index=False),
            "",
        ]
    if figure:
        lines += [f"![Optimisation history of {name}]({figure})", ""]
    if len(complete):
        best = complete.iloc[0]
        lines += [
            f"Best: trial {best['trial']}; apply it with `dvc exp apply {best['experiment']}`.",
            "",
        ]
    return "\n".join(lines)
