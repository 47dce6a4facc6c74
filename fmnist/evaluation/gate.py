"""The accuracy gate's rules checked: a metric may not drop too far below a baseline.

Rules come from the ``gate`` section of params.yaml: for each metric, the largest allowed drop
below the baseline and an absolute floor. ``fmnist gate`` prints the table and exits 1 when a
rule fails; the CI report shows the same table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from fmnist.metrics import Metrics, lookup
from fmnist.params import GateRule


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def check_rule(rule: GateRule, baseline: Metrics, current: Metrics) -> dict[str, Any]:
    """One row of the gate's table: the values, the rule, and PASS or FAIL with the reason."""
    old_raw, new_raw = lookup(baseline, rule.key), lookup(current, rule.key)
    old, new = _number(old_raw), _number(new_raw)
    row = {
        "metric": f"{rule.file}:{rule.key}",
        "baseline": old if old is not None else old_raw,
        "now": new if new is not None else new_raw,
        "change": None,
        "rule": f"drop <= {rule.max_drop:g}, >= {rule.min:g}",
    }
    problems = []
    for side, raw, number in (("baseline", old_raw, old), ("now", new_raw, new)):
        if raw is None:
            problems.append(f"missing {side}")
        elif number is None:
            problems.append(f"{side} not a number: {raw!r}")
    if new is not None and new < rule.min:
        problems.append(f"below floor {rule.min:g}")
    if old is not None and new is not None:
        row["change"] = round(new - old, 6)
        if old - new > rule.max_drop + 1e-12:
            problems.append(f"dropped {old - new:.4f} > {rule.max_drop:g}")
    row["result"] = "FAIL: " + "; ".join(problems) if problems else "PASS"
    return row


def gate_table(
    rules: Sequence[GateRule],
    baseline: Mapping[str, Metrics],
    current: Mapping[str, Metrics],
) -> pd.DataFrame:
    """Check every rule; ``baseline``/``current`` map each metrics file to its content."""
    rows = [check_rule(r, baseline.get(r.file), current.get(r.file)) for r in rules]
    return pd.DataFrame(rows, columns=["metric", "baseline", "now", "change", "rule", "result"])
