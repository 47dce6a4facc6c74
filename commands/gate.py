"""Accuracy regression gate: fail when a metric drops too far below a baseline revision.

    python -m commands.gate [BASELINE] [--current REV]

BASELINE is any git revision or DVC experiment name (default HEAD); the metrics compared are
those of the workspace unless ``--current`` names another revision. Rules come from the
``gate`` section of params.yaml: for each metric, the largest allowed drop below the baseline
and an absolute floor. Prints a table and exits 1 if any rule fails, if a metric is missing on
either side, or if a value is not a number; an unknown revision or experiment name is one
``error:`` line and exit 2, so CI tells a broken command from a regression. DVC itself only
reports differences (``dvc metrics diff``); this adds the pass/fail.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from fmnist.cli import run_stage
from fmnist.metrics import Metrics, lookup, read_metrics
from fmnist.params import GateRule, load_params
from fmnist.revisions import resolve_revision

log = logging.getLogger(__name__)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", nargs="?", default="HEAD", help="git revision or exp name")
    parser.add_argument("--current", default=None, help="revision to check (default: workspace)")
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args(argv)
    rules = load_params(args.params).gate.rules
    # a typo is not a regression: an unknown revision stops here, exit 2 (run_stage)
    for rev in (args.baseline, args.current):
        if rev is not None:
            resolve_revision(rev)
    files = [rule.file for rule in rules]
    table = gate_table(rules, read_metrics(files, args.baseline), read_metrics(files, args.current))
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(f"accuracy gate: {args.current or 'workspace'} against {args.baseline}")
        print(table.to_string(index=False))
    failed = int((table["result"] != "PASS").sum())
    print(
        f"gate {'FAILED' if failed else 'PASSED'}: {len(table) - failed} of {len(table)} rules hold"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
