"""The whole audit of one data version: every registered check (:data:`fmnist.audit.checks.
CHECKS`) over the pool, one findings table, the counts and each check's seconds. What the audit
stage, its benchmark and its tests run."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fmnist.audit.checks import CHECKS, Check, Context
from fmnist.audit.findings import counts
from fmnist.audit.table import COLUMNS, Pool
from fmnist.data.split_files import SPLITS
from fmnist.params import AuditParams


@dataclasses.dataclass(frozen=True)
class Audit:
    findings: pd.DataFrame  # fmnist.audit.table.COLUMNS, one row per finding, by check
    summary: dict[str, Any]  # the counts, seconds, the fold model's accuracy
    probabilities: np.ndarray  # out-of-fold, (n, classes), in the pool's order


def audit_pool(pool: Pool, params: AuditParams, checks: Mapping[str, Check] = CHECKS) -> Audit:
    start = time.perf_counter()
    context = Context(pool, params)
    parts, seconds = [], {}
    for kind, check in checks.items():
        began = time.perf_counter()
        rows = check.find(context)
        assert list(rows.columns) == COLUMNS and (rows["kind"] == kind).all(), kind
        parts.append(rows)
        seconds[kind] = round(time.perf_counter() - began, 1)
    findings = pd.concat(parts, ignore_index=True)[COLUMNS]
    summary = counts(findings, pool, [s for s in SPLITS if (pool.splits == s).any()], checks)
    probabilities = context.probabilities
    summary["out_of_fold_accuracy"] = round(float((probabilities.argmax(1) == pool.labels).mean()), 4)
    summary["model"] = params.model
    summary["seconds"] = seconds | {"total": round(time.perf_counter() - start, 1)}
    return Audit(findings, summary, probabilities)
