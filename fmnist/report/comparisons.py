"""Configurations aggregated over seeds (n, mean, std, min, max) and compared pairwise on the
same test images: McNemar's test per seed and a paired t-test across seeds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from fmnist.evaluation.stats import mcnemar
from fmnist.report.runs import ALPHA, STATS


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
    each seed's two accuracies, McNemar's test per seed (from per-image correctness) and, from
    two seeds on, a paired t-test of the accuracies across seeds.
    """
    seeds = sorted(set(a) & set(b))
    per_seed = []
    for seed in seeds:
        correct_a, correct_b = a[seed] == labels, b[seed] == labels
        test = mcnemar(correct_a, correct_b)
        per_seed.append(
            {
                "seed": seed,
                "accuracy_a": float(correct_a.mean()),
                "accuracy_b": float(correct_b.mean()),
                "difference": float(correct_a.mean() - correct_b.mean()),
                "p_value": test["p_value"],
            }
        )
    differences = [row["difference"] for row in per_seed]
    t_p = math.nan
    if len(seeds) >= 2:
        acc_a = [row["accuracy_a"] for row in per_seed]
        acc_b = [row["accuracy_b"] for row in per_seed]
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
