"""Classification metrics and the statistics that compare two classifiers on one test set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

EXACT_BELOW = 25  # McNemar: exact binomial test when there are fewer disagreements than this


def per_class_table(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """Precision, recall, F1 and support per class (scikit-learn), one row per class of
    ``classes`` (label order), those without test images included with support 0."""
    labels = np.arange(len(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return pd.DataFrame(
        {
            "class": list(classes),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
        }
    )


def summary_metrics(y_true: np.ndarray, y_pred: np.ndarray, table: pd.DataFrame) -> dict[str, Any]:
    """Accuracy, macro-F1 and the weakest class, from ``table`` (:func:`per_class_table`); a
    class without test images counts in neither (its F1 would be 0 by convention, not by error)."""
    table = table[table["support"] > 0]
    weakest = table.loc[table["recall"].idxmin()]
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(table["f1"].mean()),  # sklearn's macro average: unweighted mean
        "weakest_class": str(weakest["class"]),
        "weakest_class_recall": float(weakest["recall"]),
        "test_images": len(y_true),
    }


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> dict[str, Any]:
    """McNemar's test of two classifiers on the same images, from per-image correctness.

    Exact two-sided binomial test when the disagreements are few, else the chi-square statistic
    with continuity correction.
    """
    only_a = int(np.sum(correct_a & ~correct_b))
    only_b = int(np.sum(~correct_a & correct_b))
    disagreements = only_a + only_b
    if disagreements == 0:
        return {
            "only_a_correct": 0,
            "only_b_correct": 0,
            "method": "no disagreements",
            "statistic": 0.0,
            "p_value": 1.0,
        }
    if disagreements < EXACT_BELOW:
        result = stats.binomtest(min(only_a, only_b), disagreements, 0.5)
        method, statistic, p_value = "exact binomial", float(min(only_a, only_b)), result.pvalue
    else:
        statistic = (abs(only_a - only_b) - 1) ** 2 / disagreements
        method, p_value = "chi-square, continuity-corrected", stats.chi2.sf(statistic, df=1)
    return {
        "only_a_correct": only_a,
        "only_b_correct": only_b,
        "method": method,
        "statistic": float(statistic),
        "p_value": float(p_value),
    }


def bootstrap_accuracy(
    correct_a: np.ndarray, correct_b: np.ndarray, samples: int, seed: int
) -> dict[str, list[float]]:
    """Seeded percentile-bootstrap 95% intervals of both accuracies and of their difference.

    The same resampled images serve both models (a paired bootstrap).
    """
    rng = np.random.default_rng(seed)
    n = len(correct_a)
    acc_a, acc_b = np.empty(samples), np.empty(samples)
    for i in range(samples):
        idx = rng.integers(0, n, n)
        acc_a[i], acc_b[i] = correct_a[idx].mean(), correct_b[idx].mean()

    def interval(values: np.ndarray) -> list[float]:
        low, high = np.percentile(values, [2.5, 97.5])
        return [round(float(low), 5), round(float(high), 5)]

    return {"a": interval(acc_a), "b": interval(acc_b), "difference": interval(acc_a - acc_b)}
