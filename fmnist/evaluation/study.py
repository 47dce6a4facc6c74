"""The study report: experiments from `dvc exp show --json` aggregated over seeds.

Each finished experiment holds one trained CNN and one trained SVM. A *run* is one of them: the
model's params section (its seed apart) plus the sections that shape the data (``base``,
``split``) make its *configuration*; its seed is ``cnn.seed`` / ``svm.seed``. Runs with the same
configuration and seed are the same model (an SVM-only experiment carries the baseline CNN
unchanged), so each is counted once. Configurations are aggregated over seeds (n, mean, std,
min, max) and compared with the baseline configuration on the same test images: McNemar's test
per seed and a paired t-test across seeds. :data:`CLAIMS` sets the study's reported numbers
against them.

Pure functions only; ``commands/report.py`` reads the experiments and writes the files.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from fmnist.errors import PipelineError
from fmnist.evaluation.stats import mcnemar

DATA_SECTIONS = ("base", "split")  # params upstream of both models: part of every configuration
STATS = ("accuracy", "macro_f1", "train_seconds", "throughput_images_per_s")
ALPHA = 0.05


class ReportError(PipelineError):
    """Nothing to report on, or a report option that names no param."""


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str  # also its params section and the prefix of its seed key
    metrics_file: str  # test metrics: STATS and test_images
    train_file: str  # training record: where it ran (device, precision), if it says
    predictions_file: str  # per-image predictions, for the paired tests


MODELS = (
    ModelSpec("cnn", "metrics/cnn.json", "metrics/cnn_train.json", "results/predictions/cnn.csv"),
    ModelSpec("svm", "metrics/svm.json", "metrics/svm_train.json", "results/predictions/svm.csv"),
)

Config = tuple[tuple[str, Any], ...]  # sorted (dotted param key, value) pairs, hashable
ABSENT = "–"  # shown for a key that a configuration does not have (an older params.yaml)


def _flatten(section: str, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        f"{section}.{key}": tuple(value) if isinstance(value, list) else value
        for key, value in values.items()
    }


def model_config(params: Mapping[str, Any], model: str) -> tuple[Config, int]:
    """A run's configuration (``model`` section without its seed, plus data sections) and seed."""
    flat: dict[str, Any] = {}
    for section in (*DATA_SECTIONS, model):
        flat.update(_flatten(section, params[section]))
    seed = flat.pop(f"{model}.seed")
    return tuple(sorted(flat.items())), int(seed)


def _exp_rows(exp_show: Sequence[Mapping[str, Any]]) -> Iterable[tuple[str, str, str, Any]]:
    """(name, rev, state, data) for each baseline commit and experiment, newest baseline first."""
    for baseline in exp_show:
        name = baseline.get("name") or baseline["rev"][:7]
        yield name, baseline["rev"], "baseline", baseline
        for exp in baseline.get("experiments") or []:
            state = (exp.get("executor") or {}).get("state") or "success"
            for rev in exp["revs"]:
                yield rev.get("name") or rev["rev"][:7], rev["rev"], state, rev


def collect_runs(
    exp_show: Sequence[Mapping[str, Any]],
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """Every distinct finished run in a `dvc exp show --json` answer.

    Returns the runs (one row per model, configuration and seed: the first one met, baselines
    before their experiments), a line for each experiment skipped and why, and the params of the
    newest baseline commit (the reference configuration).
    """
    runs: list[dict[str, Any]] = []
    skipped: list[str] = []
    seen: dict[tuple[str, Config, int], str] = {}
    reference: dict[str, Any] | None = None
    for name, rev, state, entry in _exp_rows(exp_show):
        if rev == "workspace":
            skipped.append("workspace: not an experiment (commit it or use `dvc exp run`)")
            continue
        if state not in ("baseline", "success"):
            skipped.append(f"{name}: {state}, no results yet")
            continue
        if entry.get("error") or not entry.get("data"):
            reason = (entry.get("error") or {}).get("msg") or "no data"
            skipped.append(f"{name}: unreadable ({reason})")
            continue
        data = entry["data"]
        params = ((data.get("params") or {}).get("params.yaml") or {}).get("data") or {}
        metrics = {
            path: (m or {}).get("data") or {} for path, m in (data.get("metrics") or {}).items()
        }
        found = []
        for spec in MODELS:
            try:
                config, seed = model_config(params, spec.name)
                values = {stat: float(metrics[spec.metrics_file][stat]) for stat in STATS}
                values["test_images"] = int(metrics[spec.metrics_file]["test_images"])
                record = metrics.get(spec.train_file) or {}
                values["ran_on"] = " ".join(
                    str(record[k]) for k in ("precision", "device") if record.get(k)
                )
            except (KeyError, TypeError, ValueError) as exc:
                skipped.append(
                    f"{name}: {spec.name} skipped, not a run of this project "
                    f"(no {exc} in its params.yaml or {spec.metrics_file})"
                )
                continue
            found.append((spec.name, config, seed, values))
        if state == "baseline" and reference is None and found:
            reference = params
        for model, config, seed, values in found:
            key = (model, config, seed)
            if key in seen:
                continue  # same model as an earlier run (e.g. the CNN of an SVM-only experiment)
            seen[key] = name
            runs.append(
                {"model": model, "config": config, "seed": seed, "name": name, "rev": rev, **values}
            )
    if not runs:
        raise ReportError(
            "no finished experiment to report on ("
            + ("; ".join(skipped) or "no experiments at the selected revisions")
            + "): run some with `dvc exp run --queue ...` and `dvc queue start`"
        )
    if reference is None:
        raise ReportError("no baseline commit among the selected revisions has results")
    return pd.DataFrame(runs), skipped, reference


def value(config: Config, key: str) -> Any:
    """The configuration's value of ``key``; :data:`ABSENT` where it has none."""
    return dict(config).get(key, ABSENT)


def varying_keys(configs: Iterable[Config]) -> list[str]:
    """The param keys whose value differs between the configurations (or is not in all)."""
    configs = list(configs)
    keys = {key for config in configs for key, _ in config}
    return sorted(k for k in keys if len({repr(value(config, k)) for config in configs}) > 1)


def shown(value: Any) -> Any:
    """A param value as params.yaml writes it (lists were made tuples to be hashable)."""
    return list(value) if isinstance(value, tuple) else value


def label(config: Config, keys: Sequence[str]) -> str:
    """``cnn.conv_layers=1 cnn.dropout=0.5``; ``baseline params`` when no key varies."""
    return " ".join(f"{key}={shown(value(config, key))}" for key in keys) or "baseline params"


def aggregate(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model and configuration: n, seeds, and mean/std/min/max of :data:`STATS`.

    The std is the sample standard deviation (n - 1); it is NaN for a single seed.
    """
    grouped = runs.groupby(["model", "config"], sort=False)
    table = grouped[list(STATS)].agg(["mean", "std", "min", "max"])
    table.columns = [f"{stat}_{how}" for stat, how in table.columns]
    table.insert(0, "seeds", grouped["seed"].agg(lambda s: tuple(sorted(s))))
    table.insert(0, "n", grouped.size())
    return table.reset_index()


def paired_comparison(
    a: Mapping[int, np.ndarray], b: Mapping[int, np.ndarray], labels: np.ndarray
) -> dict[str, Any]:
    """Compare two configurations on the same test images, per seed and across seeds.

    ``a``/``b`` map a seed to that run's predicted labels. Seeds present in both are paired:
    McNemar's test per seed (from per-image correctness) and, from two seeds on, a paired t-test
    of the accuracies across seeds.
    """
    seeds = sorted(set(a) & set(b))
    per_seed = []
    for seed in seeds:
        correct_a, correct_b = a[seed] == labels, b[seed] == labels
        test = mcnemar(correct_a, correct_b)
        per_seed.append(
            {
                "seed": seed,
                "difference": float(correct_a.mean() - correct_b.mean()),
                "p_value": test["p_value"],
            }
        )
    differences = [row["difference"] for row in per_seed]
    t_p = math.nan
    if len(seeds) >= 2:
        acc_a = [float(np.mean(a[s] == labels)) for s in seeds]
        acc_b = [float(np.mean(b[s] == labels)) for s in seeds]
        t_p = 1.0 if acc_a == acc_b else float(stats.ttest_rel(acc_a, acc_b).pvalue)
    return {
        "seeds": seeds,
        "per_seed": per_seed,
        "mean_difference": float(np.mean(differences)) if differences else math.nan,
        "t_test_p": t_p,
    }


def comparison_verdict(result: Mapping[str, Any]) -> str:
    """Better / worse / no shown difference, by McNemar at every paired seed (alpha 0.05)."""
    if not result["seeds"]:
        return "no common seeds: not compared"
    p_values = [row["p_value"] for row in result["per_seed"]]
    signs = {np.sign(row["difference"]) for row in result["per_seed"]}
    if all(p < ALPHA for p in p_values) and len(signs) == 1:
        return "better" if signs == {1.0} else "worse"
    return "no difference shown"


@dataclasses.dataclass(frozen=True)
class Claim:
    """One number or finding of the study, and the configuration(s) that measure it here.

    ``changes`` / ``versus_changes`` are params changed from the reference (baseline) config.
    A level claim has ``reported``; a comparative one (``model`` beats ``versus``) has ``versus``.
    """

    text: str
    model: str
    changes: Mapping[str, Any]
    reported: float | None = None
    versus: str | None = None
    versus_changes: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def fewer_layers_claim(fewer: int, more: int) -> Claim:
    """The study's "fewer layers are better", for one pair of depths."""
    subject = "1 conv layer beats" if fewer == 1 else f"{fewer} conv layers beat"
    return Claim(
        f"{subject} {more} (fewer layers are better)",
        "cnn",
        {"cnn.conv_layers": fewer},
        versus="cnn",
        versus_changes={"cnn.conv_layers": more},
    )


STUDY_SVM = {"svm.train_limit": 10000, "svm.features": "pixels", "svm.pca_components": 50}
CLAIMS = (
    Claim("CNN, 2 conv layers (its methods section): 91.98%", "cnn", {"cnn.conv_layers": 2}, 0.9198),
    Claim("CNN, 3 conv layers (its results section): 91.98%", "cnn", {"cnn.conv_layers": 3}, 0.9198),
    Claim("CNN, 1 conv layer: 92.7%", "cnn", {"cnn.conv_layers": 1}, 0.927),
    fewer_layers_claim(1, 2),
    fewer_layers_claim(2, 3),
    Claim("SVM at the study's setting (10,000 images, pixels, PCA 50): 86%", "svm", STUDY_SVM, 0.86),
    Claim("SVM at this project's default setting vs the study's 86%", "svm", {}, 0.86),
    Claim("The CNN beats the SVM (default settings)", "cnn", {}, versus="svm"),
)


def with_changes(reference: Config, changes: Mapping[str, Any]) -> Config:
    """``reference`` with some values replaced; a key it does not have is refused."""
    values = dict(reference)
    unknown = sorted(set(changes) - set(values))
    if unknown:
        raise ReportError(f"unknown param {', '.join(unknown)}; known: {', '.join(values)}")
    values.update({k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()})
    return tuple(sorted(values.items()))


def level_verdict(mean: float, std: float, n: int, reported: float, test_images: int) -> str:
    """Is the reported number within the noise of the measured mean?

    The band is 1.96 x sqrt(binomial SE of the accuracy on the test images^2 + seed std^2).
    """
    spread = 0.0 if n < 2 or math.isnan(std) else std
    band = 1.96 * math.sqrt(mean * (1 - mean) / test_images + spread**2)
    gap = mean - reported
    if abs(gap) <= band:
        return f"reproduced (within ±{band * 100:.2f} pts)"
    direction = "higher" if gap > 0 else "lower"
    return f"not reproduced: {abs(gap) * 100:.2f} pts {direction} (band ±{band * 100:.2f} pts)"


def mean_std(row: Mapping[str, Any], stat: str, scale: float = 100.0, digits: int = 2) -> str:
    std = row[f"{stat}_std"]
    mean = f"{row[f'{stat}_mean'] * scale:.{digits}f}"
    return mean if math.isnan(std) else f"{mean} ± {std * scale:.{digits}f}"


def group_index(groups: pd.DataFrame) -> dict[tuple[str, Config], pd.Series]:
    """:func:`aggregate`'s rows by (model, configuration)."""
    return {(row["model"], row["config"]): row for _, row in groups.iterrows()}


def claims_table(
    claims: Sequence[Claim],
    groups: pd.DataFrame,
    references: Mapping[str, Config],
    compare: Callable[[str, Config, str, Config], dict[str, Any] | None],
    test_images: int,
) -> pd.DataFrame:
    """The study's claims next to the measured mean ± std (n seeds), with a verdict each.

    ``compare(model_a, config_a, model_b, config_b)`` gives :func:`paired_comparison`'s result,
    or None when either configuration was not run.
    """
    index = group_index(groups)
    rows = []
    for claim in claims:
        config = with_changes(references[claim.model], claim.changes)
        row = index.get((claim.model, config))
        measured = f"{mean_std(row, 'accuracy')} (n={row['n']})" if row is not None else "not run"
        if claim.versus is None:
            verdict = (
                "not run"
                if row is None
                else level_verdict(
                    row["accuracy_mean"],
                    row["accuracy_std"],
                    row["n"],
                    claim.reported,
                    test_images,
                )
            )
            study = f"{claim.reported * 100:.2f}"
        else:
            other = with_changes(references[claim.versus], claim.versus_changes)
            other_row = index.get((claim.versus, other))
            if other_row is not None:
                measured += f" vs {mean_std(other_row, 'accuracy')} (n={other_row['n']})"
            result = compare(claim.model, config, claim.versus, other)
            verdict = "not run" if result is None else _comparison_claim_verdict(result)
            study = "claimed"
        rows.append({"claim": claim.text, "study": study, "measured": measured, "verdict": verdict})
    return pd.DataFrame(rows)


def _comparison_claim_verdict(result: Mapping[str, Any]) -> str:
    verdict = comparison_verdict(result)
    n = len(result["seeds"])
    p_values = ", ".join(f"{row['p_value']:.2g}" for row in result["per_seed"])
    detail = f"McNemar p per seed: {p_values}"
    if not math.isnan(result["t_test_p"]):
        detail += f"; paired t-test over {n} seeds p={result['t_test_p']:.2g}"
    outcome = {
        "better": "reproduced",
        "worse": "not reproduced: reversed",
        "no difference shown": "not reproduced: no difference shown",
    }.get(verdict, verdict)
    return f"{outcome} ({detail})"


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


def speed_claim(groups: pd.DataFrame, references: Mapping[str, Config]) -> dict[str, str]:
    """The study's "SVM slower" against the default configurations' training and predicting."""
    index = group_index(groups)
    cnn, svm = index.get(("cnn", references["cnn"])), index.get(("svm", references["svm"]))
    row = {"claim": "The SVM is slower than the CNN", "study": "claimed"}
    if cnn is None or svm is None:
        return {**row, "measured": "not run", "verdict": "not run"}
    # how many times longer the SVM takes than the CNN: > 1 means "slower", as claimed
    train = svm["train_seconds_mean"] / cnn["train_seconds_mean"]
    predict = cnn["throughput_images_per_s_mean"] / svm["throughput_images_per_s_mean"]
    measured = (
        f"train s: SVM {svm['train_seconds_mean']:.0f} vs CNN {cnn['train_seconds_mean']:.0f}; "
        f"test images/s: SVM {svm['throughput_images_per_s_mean']:.0f} "
        f"vs CNN {cnn['throughput_images_per_s_mean']:.0f}"
    )

    def part(what: str, ratio: float) -> str:
        pace = f"{ratio:.1f}x slower" if ratio >= 1 else f"{1 / ratio:.1f}x faster"
        return f"{what}: SVM {pace} ({'reproduced' if ratio > 1 else 'not reproduced'})"

    verdict = f"{part('training', train)}; {part('predicting', predict)}"
    return {**row, "measured": measured, "verdict": verdict}


def configurations_table(groups: pd.DataFrame, model: str) -> pd.DataFrame:
    """The per-configuration table of one model, for people: varying params, then the stats."""
    rows = groups[groups["model"] == model]
    keys = varying_keys(rows["config"])
    table = pd.DataFrame(
        {key: rows["config"].map(lambda c, k=key: shown(value(c, k))) for key in keys}
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
        keys = varying_keys(configs)
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


def render_markdown(
    *,
    title: str,
    command: str,
    selection: str,
    machine: str,
    groups: pd.DataFrame,
    comparisons: pd.DataFrame,
    claims: pd.DataFrame,
    skipped: Sequence[str],
    figures: Mapping[str, str],
    cpu_minutes: Mapping[str, float],
) -> str:
    """The whole report as markdown (tables with pandas' ``to_markdown``)."""
    lines = [
        f"# {title}",
        "",
        f"Generated by `{command}` from {selection}. {machine}",
        "",
        "Runs with the same configuration and seed are one model and are counted once. std is "
        "the sample standard deviation over seeds (blank for one seed). Comparisons pair runs "
        "of the same seed on the same 10,000 test images: McNemar's test per seed, a paired "
        f't-test across seeds; "better"/"worse" needs p < {ALPHA} at every seed.',
        "",
        "Training time summed over the distinct runs: "
        + ", ".join(f"{model.upper()} {minutes:.1f} min" for model, minutes in cpu_minutes.items())
        + ".",
        "",
        "## Study claims vs measured",
        "",
        claims.to_markdown(index=False, disable_numparse=True),
        "",
    ]
    for model in groups["model"].unique():
        lines += [
            f"## {model.upper()} configurations",
            "",
            configurations_table(groups, model).to_markdown(index=False, disable_numparse=True),
            "",
        ]
    for caption, path in figures.items():
        lines += [f"![{caption}]({path})", ""]
    if not comparisons.empty:
        lines += [
            "## Against the baseline configuration",
            "",
            comparisons.to_markdown(index=False, disable_numparse=True),
            "",
        ]
    if skipped:
        lines += ["## Skipped", ""] + [f"- {line}" for line in skipped] + [""]
    return "\n".join(lines)
