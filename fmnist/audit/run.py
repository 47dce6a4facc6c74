"""The whole audit of one data version: what the audit stage, its benchmark and its tests run."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pandas as pd

from fmnist.audit.duplicates import exact_duplicates, near_pairs
from fmnist.audit.findings import Pool, counts, findings_table
from fmnist.audit.label_issues import label_issues, out_of_fold_probabilities
from fmnist.data.split_files import SPLITS
from fmnist.params import AuditParams


@dataclasses.dataclass(frozen=True)
class Audit:
    findings: pd.DataFrame  # fmnist.audit.findings.COLUMNS, one row per finding
    summary: dict[str, Any]  # the counts, seconds, the fold model's accuracy
    probabilities: np.ndarray  # out-of-fold, (n, classes), in the pool's order


def audit_pool(pool: Pool, params: AuditParams) -> Audit:
    start = time.perf_counter()
    exact = exact_duplicates(pool.ids)
    near = near_pairs(pool.images, params.near_duplicate_distance, params.seed)
    duplicates_s = time.perf_counter() - start
    probabilities = out_of_fold_probabilities(
        pool.images, pool.labels, pool.classes, params.folds, params.seed
    )
    issues = label_issues(pool.labels, probabilities)
    findings = findings_table(pool, exact, near, issues)
    summary = counts(findings, pool, [s for s in SPLITS if (pool.splits == s).any()])
    summary["out_of_fold_accuracy"] = round(float((probabilities.argmax(1) == pool.labels).mean()), 4)
    summary["seconds"] = {
        "duplicates": round(duplicates_s, 1),
        "total": round(time.perf_counter() - start, 1),
    }
    return Audit(findings, summary, probabilities)
