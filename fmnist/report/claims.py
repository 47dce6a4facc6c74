"""The study's reported numbers (:data:`CLAIMS`) set against the aggregated configurations."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from fmnist.report.comparisons import comparison_verdict
from fmnist.report.runs import Config, ReportError


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
    short: str = ""  # the claim's name in a figure (its text before the colon when empty)


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
    Claim(
        "CNN, 2 conv layers (its methods section): 91.98%",
        "cnn",
        {"cnn.conv_layers": 2},
        0.9198,
        short="CNN, 2 conv (default)",
    ),
    Claim(
        "CNN, 3 conv layers (its results section): 91.98%",
        "cnn",
        {"cnn.conv_layers": 3},
        0.9198,
        short="CNN, 3 conv",
    ),
    Claim("CNN, 1 conv layer: 92.7%", "cnn", {"cnn.conv_layers": 1}, 0.927, short="CNN, 1 conv"),
    fewer_layers_claim(1, 2),
    fewer_layers_claim(2, 3),
    Claim(
        "SVM at the study's setting (10,000 images, pixels, PCA 50): 86%",
        "svm",
        STUDY_SVM,
        0.86,
        short="SVM, the study's setting",
    ),
    Claim(
        "SVM at this project's default setting vs the study's 86%",
        "svm",
        {},
        0.86,
        short="SVM, default",
    ),
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
