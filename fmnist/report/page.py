"""The study report's page, in the order a reader asks: what holds, the claims, the study's
sweep, the grid of its future work, the SVM, the data versions, the searches, how it was made.

:func:`build_page` is pure: runs, reference configurations and predictions in, Markdown and
figures out; ``fmnist report`` (:mod:`fmnist.console.report`) reads and writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fmnist.models.kinds import MODELS
from fmnist.report.claims import (
    CLAIMS,
    claims_table,
    mean_std,
    speed_claim,
    with_changes,
)
from fmnist.report.comparisons import aggregate, comparison_verdict
from fmnist.report.experiments import Predictions
from fmnist.report.figures import (
    claims_figure,
    heatmap_figure,
    selected,
    sweep_figure,
)
from fmnist.report.markdown import (
    bullet_lines,
    comparisons_table,
    configurations_table,
    grid_tables,
    markdown,
    two_way,
)
from fmnist.report.runs import ALPHA, Config, ReportError, label, varying_keys

TITLE = "The study, measured: its claims, its sweep, its future work and the data versions"
SECTIONS = (
    "## The study's claims",
    "## Depth × dropout: the study's sweep",
    "## Learning rate × batch size: the study's future work",
    "## SVM settings",
    "## Data versions",
    "## Searches",
    "## How this report was made",
)
CLAIMS_FIGURE = "claims.png"
SWEEP_FIGURE = "accuracy_by_depth.png"


def grid_figure_name(rows_key: str, columns_key: str) -> str:
    return f"grid_{rows_key}_{columns_key}.png".replace("cnn.", "").replace("svm.", "")


@dataclasses.dataclass(frozen=True)
class Made:
    """Where the runs came from and how to make the page again."""

    command: str  # a command that makes this page again (from the snapshot)
    selection: str  # the revisions read
    machine: str  # where the CNN runs trained
    skipped: Sequence[str] = ()


@dataclasses.dataclass(frozen=True)
class Search:
    """One search's section (:func:`~fmnist.report.experiments.search_section`)."""

    name: str
    markdown: str
    figure: Figure | None


@dataclasses.dataclass
class Page:
    markdown: str
    figures: dict[str, Figure]


def claim_label(text: str) -> str:
    return text.split(":")[0]


def status(verdict: str) -> str:
    """held / not held / partly / not run, from a claims-table verdict."""
    if verdict == "not run":
        return "not run"
    parts = [part.strip() for part in verdict.split(";")] if "); " in verdict else [verdict]
    held = ["not reproduced" not in part and "reproduced" in part for part in parts]
    return "held" if all(held) else "not held" if not any(held) else "partly"


def gist(verdict: str) -> str:
    """The short reason of a verdict: ``1.12 pts lower``, ``no difference shown``; each part of
    a two-part one (``training: SVM 2.3x faster; predicting: SVM 10.9x slower``)."""
    if status(verdict) == "partly":
        return "; ".join(part.split(" (")[0] for part in verdict.split("; "))
    if "not reproduced: " in verdict:
        return verdict.split("not reproduced: ", 1)[1].split(" (")[0]
    return verdict.split(" (")[0]


def summary(claims: pd.DataFrame, extra: Sequence[str]) -> list[str]:
    """At most 5 lines: how many claims hold, which do, which do in part and which do not (and
    by how much), then ``extra`` lines."""
    states = claims["verdict"].map(status)
    counted = states[states != "not run"]
    lines = [
        f"Of the study's {len(claims)} claims, {int((counted == 'held').sum())} hold here, "
        f"{int((counted == 'partly').sum())} in part and {int((counted == 'not held').sum())} "
        f"do not ({int((states == 'not run').sum())} not run)."
    ]
    held = claims[states == "held"]
    if len(held):
        lines.append("Hold: " + "; ".join(claim_label(t) for t in held["claim"]) + ".")
    for state, heading in (("partly", "Hold in part"), ("not held", "Do not hold")):
        rows = claims[states == state]
        if len(rows):
            reasons = [f"{claim_label(r.claim)} ({gist(r.verdict)})" for r in rows.itertuples()]
            lines.append(f"{heading}: " + "; ".join(reasons) + ".")
    return [*lines, *extra][:5]


def claims_section(
    groups: pd.DataFrame,
    runs: pd.DataFrame,
    references: Mapping[str, Config],
    predictions: Predictions,
) -> tuple[pd.DataFrame, list[str], Figure | None]:
    test_images = int(runs["test_images"].max())
    claims = claims_table(CLAIMS, groups, references, predictions.compare, test_images)
    claims = pd.concat([claims, pd.DataFrame([speed_claim(groups, references)])])
    points = []
    for claim in CLAIMS:
        if claim.versus is not None:
            continue
        config = with_changes(references[claim.model], claim.changes)
        chosen = runs[(runs["model"] == claim.model) & (runs["config"] == config)]
        if len(chosen):
            points.append(
                {
                    "label": claim.short or claim_label(claim.text),
                    "model": claim.model,
                    "reported": claim.reported,
                    "accuracies": chosen["accuracy"].to_list(),
                }
            )
    lines = [
        SECTIONS[0],
        "",
        f"Each claim against this pipeline's runs on the same {test_images:,} test images: a "
        "reported "
        "number holds when it lies inside 1.96 x (the test set's binomial error and the seeds' "
        "spread combined); a comparison holds when McNemar's test finds it at every seed "
        f"(p < {ALPHA}).",
        "",
        markdown(claims),
        "",
    ]
    figure = claims_figure(points)
    if figure is not None:
        lines += [f"![The study's numbers against each seed's]({CLAIMS_FIGURE})", ""]
    return claims, lines, figure


def sweep_section(
    groups: pd.DataFrame,
    runs: pd.DataFrame,
    reference: Config,
    predictions: Predictions,
    rows_key: str,
    columns_key: str,
) -> tuple[list[str], Figure | None, set[Config]]:
    cells = two_way(groups, reference, "cnn", rows_key, columns_key)
    lines = [SECTIONS[1], ""]
    if cells["row"].nunique() < 2 and cells["column"].nunique() < 2:
        return [*lines, not_run(rows_key, columns_key), ""], None, set()
    *_, text = grid_tables(cells, rows_key, columns_key)
    sweep_runs = two_way(runs, reference, "cnn", rows_key, columns_key)
    figure = sweep_figure(sweep_runs, "cnn", rows_key, columns_key)
    lines += [
        f"CNN test accuracy %, mean ± std over seeds (n seeds), by {rows_key} (rows) and "
        f"{columns_key} (columns); every other param as committed.",
        "",
        markdown(text),
        "",
    ]
    if figure is not None:
        lines += [f"![CNN test accuracy by {rows_key} and {columns_key}]({SWEEP_FIGURE})", ""]
    compared = comparisons_table(
        groups[groups["config"].isin(set(cells["config"]))], {"cnn": reference}, predictions.compare
    )
    if not compared.empty:
        lines += [
            "Each against the committed configuration, paired by seed:",
            "",
            markdown(compared.drop(columns="model")),
            "",
        ]
    return lines, figure, set(cells["config"])


def grid_section(
    groups: pd.DataFrame, reference: Config, rows_key: str, columns_key: str
) -> tuple[list[str], Figure | None, set[Config]]:
    cells = two_way(groups, reference, "cnn", rows_key, columns_key)
    title = f"### {rows_key} × {columns_key}"
    if cells["row"].nunique() < 2 or cells["column"].nunique() < 2:
        return [title, "", not_run(rows_key, columns_key), ""], None, set()
    means, counts, text = grid_tables(cells, rows_key, columns_key)
    best = cells.loc[cells["accuracy_mean"].idxmax()]
    committed = cells[cells["config"] == reference]
    spread = (
        f" For scale: the committed configuration's accuracy has a std of "
        f"{committed['accuracy_std'].iat[0] * 100:.2f} points over its {committed['n'].iat[0]} "
        "seeds, so single-seed cells closer than that are not told apart."
        if len(committed) and committed["n"].iat[0] > 1
        else ""
    )
    name = grid_figure_name(rows_key, columns_key)
    lines = [
        title,
        "",
        f"![Heatmap of CNN test accuracy by {rows_key} and {columns_key}]({name})",
        "",
        markdown(text),
        "",
        f"Highest cell: {label(best['config'], [rows_key, columns_key])}, "
        f"{best['accuracy_mean'] * 100:.2f}% (n={best['n']}).{spread}",
        "",
    ]
    return lines, heatmap_figure(means, counts, "cnn"), set(cells["config"])


def not_run(rows_key: str, columns_key: str) -> str:
    return (
        f"Not run at these revisions. Queue it with `dvc exp run --queue -S '{rows_key}=...' "
        f"-S '{columns_key}=...'`, then `dvc queue start`."
    )


def svm_section(groups: pd.DataFrame, reference: Config, predictions: Predictions) -> list[str]:
    svm = groups[(groups["model"] == "svm") & groups["config"].map(data_keys_as(reference))]
    if svm.empty:
        return [SECTIONS[3], "", "No SVM run.", ""]
    compared = comparisons_table(svm, {"svm": reference}, predictions.compare)
    lines = [SECTIONS[3], "", markdown(configurations_table(svm, "svm")), ""]
    if not compared.empty:
        lines += [markdown(compared.drop(columns="model")), ""]
    return lines


def data_keys(config: Config) -> dict[str, Any]:
    return {k: v for k, v in config if k.startswith("data.")}


def data_keys_as(reference: Config):
    return lambda config: data_keys(config) == data_keys(reference)


def percent_mean_std(accuracies: Sequence[float]) -> str:
    values = [100 * a for a in accuracies]
    mean = f"{np.mean(values):.2f}"
    return mean if len(values) < 2 else f"{mean} ± {np.std(values, ddof=1):.2f}"


def data_versions_section(
    groups: pd.DataFrame, references: Mapping[str, Config], predictions: Predictions
) -> tuple[list[str], list[str], set[Config]]:
    """Each model trained on another data version than the reference's, scored on both test
    label sets (the reference's and the version's own), paired by seed with McNemar's test."""
    rows, headlines, shown = [], [], set()
    for model, reference in references.items():
        for config in groups[groups["model"] == model]["config"]:
            if data_keys(config) == data_keys(reference) or not selected(
                config, reference, list(data_keys(config))
            ):
                continue
            shown.add(config)
            version = label(
                config, [k for k, v in data_keys(config).items() if v != dict(reference).get(k)]
            )
            for scored, labels_of in (("the reference's", "b"), ("its own", "a")):
                result = predictions.compare(model, config, model, reference, labels_of)
                if result is None or not result["seeds"]:
                    break
                seeds = result["seeds"]
                rows.append(
                    {
                        "model": MODELS[model].title,
                        "trained on": version,
                        "test labels": scored,
                        "seeds": ", ".join(map(str, seeds)),
                        "reference data %": percent_mean_std(
                            [r["accuracy_b"] for r in result["per_seed"]]
                        ),
                        "this version %": percent_mean_std(
                            [r["accuracy_a"] for r in result["per_seed"]]
                        ),
                        "difference (pts)": f"{result['mean_difference'] * 100:+.2f}",
                        "McNemar p per seed": ", ".join(
                            f"{r['p_value']:.2g}" for r in result["per_seed"]
                        ),
                        "verdict": comparison_verdict(result),
                    }
                )
                if labels_of == "b":
                    headlines.append(
                        f"{MODELS[model].title} on {version}: "
                        f"{result['mean_difference'] * 100:+.2f} pts "
                        f"on the original test labels ({comparison_verdict(result)}, "
                        f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''})"
                    )
    lines = [SECTIONS[4], ""]
    if not rows:
        return (
            [
                *lines,
                "No run on another data version. Queue one with `dvc exp run --queue "
                "-S data.corrections=data/corrections/fashion-mnist.csv -S cnn.seed=42,1,2`.",
                "",
            ],
            [],
            shown,
        )
    lines += [
        "Models trained on another data version (a corrections file, docs/audit.md) than the "
        "committed one, and scored on the committed test labels (comparable with the study and "
        "the literature) and on the version's own, paired by seed.",
        "",
        markdown(pd.DataFrame(rows)),
        "",
    ]
    return lines, ["Data: " + "; ".join(headlines) + "."] if headlines else [], shown


def others_section(
    groups: pd.DataFrame, references: Mapping[str, Config], shown: set[Config]
) -> list[str]:
    """The configurations no section is about (a ResNet, a one-off experiment), each named by
    what it changes from its model's committed configuration."""
    others = groups[~groups["config"].isin(shown)]
    if others.empty:
        return []
    rows = []
    for row in others.itertuples():
        reference = references[row.model]
        keys = varying_keys([row.config, reference])
        rows.append(
            {
                "model": MODELS[row.model].title,
                "changes from the committed configuration": label(row.config, keys),
                "n": row.n,
                "seeds": ", ".join(map(str, row.seeds)),
                "test accuracy % (mean ± std)": mean_std(row._asdict(), "accuracy"),
                "train s": mean_std(row._asdict(), "train_seconds", scale=1.0, digits=1),
            }
        )
    return [
        "## Other configurations",
        "",
        "Runs at these revisions that none of the sections above is about.",
        "",
        markdown(pd.DataFrame(rows)),
        "",
    ]


def made_section(made: Made, runs: pd.DataFrame) -> list[str]:
    minutes = runs.groupby("model", sort=False)["train_seconds"].sum() / 60
    lines = [
        SECTIONS[6],
        "",
        f"Made again from the files beside it with `{made.command}`. The runs were read from "
        f"{made.selection}; their exact params, metrics and seeds are in [runs.csv](runs.csv), "
        "their per-image predictions in predictions.npz.",
        "",
        f"{made.machine} Training time over the {len(runs)} distinct runs: "
        + ", ".join(f"{MODELS[model].title} {value:.1f} min" for model, value in minutes.items())
        + ".",
        "",
        "Runs with the same configuration and seed are one model and are counted once. std is "
        "the sample standard deviation over seeds (none for one seed). Comparisons pair runs "
        "of the same seed on the same test images: McNemar's test per seed, a paired t-test "
        f'across seeds; "better"/"worse" needs p < {ALPHA} at every seed.',
        "",
    ]
    if made.skipped:
        lines += ["Skipped:", "", *bullet_lines(made.skipped), ""]
    return lines


def build_page(
    runs: pd.DataFrame,
    references: Mapping[str, Config],
    predictions: Predictions,
    made: Made,
    sweep: tuple[str, str],
    grids: Sequence[tuple[str, str]],
    searches: Sequence[Search],
) -> Page:
    groups = aggregate(runs)
    known = {key for key, _ in references["cnn"]}  # the sweep and the grids are the CNN's
    for key in (*sweep, *(k for grid in grids for k in grid)):
        if key not in known:
            raise ReportError(f"--sweep/--grid {key!r} is not a param; known: {sorted(known)}")
    figures: dict[str, Figure] = {}
    claims, claim_lines, figure = claims_section(groups, runs, references, predictions)
    if figure is not None:
        figures[CLAIMS_FIGURE] = figure
    sweep_lines, figure, shown = sweep_section(groups, runs, references["cnn"], predictions, *sweep)
    if figure is not None:
        figures[SWEEP_FIGURE] = figure
    grid_lines = [SECTIONS[2], ""]
    for rows_key, columns_key in grids:
        lines, figure, cells = grid_section(groups, references["cnn"], rows_key, columns_key)
        grid_lines += lines
        shown |= cells
        if figure is not None:
            figures[grid_figure_name(rows_key, columns_key)] = figure
    shown |= set(groups[groups["model"] == "svm"]["config"])
    shown |= set(references.values())
    data_lines, data_summary, data_configs = data_versions_section(groups, references, predictions)
    shown |= data_configs
    search_lines = [
        SECTIONS[5],
        "",
        "Each search's trials are experiments of the commit it ran on, which may be older than "
        "the runs above (another split or recipe): compare its trials with each other, not "
        "with the sections above.",
        "",
    ]
    if not searches:
        search_lines += ["No search selected (`fmnist report --search NAME`).", ""]
    for search in searches:
        search_lines += [search.markdown, ""]
        if search.figure is not None:
            figures[f"search_{search.name}.png"] = search.figure
    text = [
        f"# {TITLE}",
        "",
        *bullet_lines(summary(claims, data_summary)),
        "",
        *claim_lines,
        *sweep_lines,
        *grid_lines,
        *svm_section(groups, references["svm"], predictions),
        *data_lines,
        *others_section(groups, references, shown),
        *search_lines,
        *made_section(made, runs),
    ]
    while text and not text[-1]:
        text.pop()
    return Page("\n".join(text) + "\n", figures)
