"""The study report's tables: configurations, comparisons with the reference, two-param grids.

Param values are shown rounded to 3 significant digits (:func:`~fmnist.report.runs.rounded`);
the exact ones stay in runs.csv.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from fmnist.report.claims import mean_std
from fmnist.report.comparisons import comparison_verdict
from fmnist.report.figures import selected
from fmnist.report.runs import Config, label, rounded, value, varying_keys

MISSING = "–"  # a grid cell that was not run


def configurations_table(groups: pd.DataFrame, model: str) -> pd.DataFrame:
    """The per-configuration table of one model, for people: varying params, then the stats."""
    rows = groups[groups["model"] == model]
    keys = varying_keys(rows["config"])
    table = pd.DataFrame(
        {key: rows["config"].map(lambda c, k=key: rounded(value(c, k))) for key in keys}
    )
    table["n"] = rows["n"]
    table["seeds"] = rows["seeds"].map(lambda seeds: ", ".join(map(str, seeds)))
    table["test accuracy % (mean ± std)"] = rows.apply(mean_std, axis=1, stat="accuracy")
    table["min–max %"] = rows.apply(
        lambda r: f"{r['accuracy_min'] * 100:.2f}–{r['accuracy_max'] * 100:.2f}", axis=1
    )
    table["macro-F1 %"] = rows.apply(mean_std, axis=1, stat="macro_f1")
    table["train s"] = rows.apply(mean_std, axis=1, stat="train_seconds", scale=1.0, digits=1)

    def order(config: Config) -> tuple[tuple[str, Any], ...]:  # list and mixed-type values too
        values = [value(config, k) for k in keys]
        return tuple((type(v).__name__, v) for v in values)

    return table.iloc[sorted(range(len(rows)), key=lambda i: order(rows["config"].iloc[i]))]


def comparisons_table(
    groups: pd.DataFrame,
    references: Mapping[str, Config],
    compare: Callable[[str, Config, str, Config], dict[str, Any] | None],
) -> pd.DataFrame:
    """Each configuration against its model's reference configuration, paired by seed."""
    rows = []
    for model, reference in references.items():
        configs = groups[groups["model"] == model]["config"]
        keys = varying_keys([*configs, reference])
        for config in configs:
            if config == reference:
                continue
            result = compare(model, config, model, reference)
            if result is None or not result["seeds"]:
                continue
            rows.append(
                {
                    "model": model,
                    "configuration": label(
                        config, [k for k in keys if value(config, k) != value(reference, k)]
                    ),
                    "seeds paired": len(result["seeds"]),
                    "accuracy difference (pts)": f"{result['mean_difference'] * 100:+.2f}",
                    "McNemar p per seed": ", ".join(
                        f"{r['p_value']:.2g}" for r in result["per_seed"]
                    ),
                    "paired t-test p": "–"
                    if math.isnan(result["t_test_p"])
                    else f"{result['t_test_p']:.2g}",
                    "verdict": comparison_verdict(result),
                }
            )
    return pd.DataFrame(rows)


def two_way(
    groups: pd.DataFrame, reference: Config, model: str, rows_key: str, columns_key: str
) -> pd.DataFrame:
    """The configurations of ``model`` that differ from ``reference`` in ``rows_key`` and
    ``columns_key`` only (the reference among them), with those two values as columns."""
    frame = groups[
        (groups["model"] == model)
        & groups["config"].map(lambda c: selected(c, reference, (rows_key, columns_key)))
    ]
    configs = frame["config"].map(dict)
    return frame.assign(
        row=configs.map(lambda c: c[rows_key]), column=configs.map(lambda c: c[columns_key])
    )


def grid_tables(cells: pd.DataFrame, rows_key: str, columns_key: str) -> tuple[pd.DataFrame, ...]:
    """A two-way selection (:func:`two_way`) as three tables, rows by columns: the mean accuracy,
    the number of seeds, and the text of each cell (``mean ± std (n=k)`` in %, values rounded)."""
    cells = cells.assign(
        cell=cells.apply(lambda r: f"{mean_std(r, 'accuracy')} (n={r['n']})", axis=1)
    )

    def pivot(values: str) -> pd.DataFrame:
        table = cells.pivot(index="row", columns="column", values=values)
        table = table.sort_index().sort_index(axis=1)
        table.index.name, table.columns.name = rows_key, columns_key
        return table

    text = pivot("cell").fillna(MISSING)
    text.index = pd.Index([rounded(v) for v in text.index], name=rows_key)
    text.columns = [f"{columns_key} = {rounded(v)}" for v in text.columns]
    return pivot("accuracy_mean"), pivot("n"), text.reset_index()


def markdown(table: pd.DataFrame) -> str:
    """A table as Markdown, every cell as the text it already is."""
    return table.to_markdown(index=False, disable_numparse=True)


def bullet_lines(lines: Iterable[str]) -> list[str]:
    return [f"- {line}" for line in lines]
