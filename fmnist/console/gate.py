"""``fmnist gate``: fail when a metric drops too far below a baseline revision.

    fmnist gate [BASELINE] [--current REV]

BASELINE is any git revision or DVC experiment name (default HEAD); the metrics compared are
those of the workspace unless ``--current`` names another revision. Rules come from the
``gate`` section of params.yaml (:mod:`fmnist.evaluation.gate`). Prints a table and exits 1 if
any rule fails, if a metric is missing on either side, or if a value is not a number; an
unknown revision or experiment name is one ``error:`` line and exit 2, so CI tells a broken
command from a regression. DVC itself only reports differences (``dvc metrics diff``); this
adds the pass/fail.
"""

from __future__ import annotations

import argparse

HELP = "fail (exit 1) when a metric drops too far below a baseline revision"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", nargs="?", default="HEAD", help="git revision or exp name")
    parser.add_argument("--current", default=None, help="revision to check (default: workspace)")
    parser.add_argument("--params", default="params.yaml")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from fmnist.data.versions import changed_test_images, data_changes
    from fmnist.dvc_adapter import DvcError
    from fmnist.evaluation.gate import gate_table
    from fmnist.metrics import read_metrics
    from fmnist.params import load_params
    from fmnist.revisions import resolve_revision

    rules = load_params(args.params).gate.rules
    # a typo is not a regression: an unknown revision stops here, exit 2
    for rev in (args.baseline, args.current):
        if rev is not None:
            resolve_revision(rev)
    files = [rule.file for rule in rules]
    table = gate_table(rules, read_metrics(files, args.baseline), read_metrics(files, args.current))
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(f"accuracy gate: {args.current or 'workspace'} against {args.baseline}")
        print(table.to_string(index=False))
    try:
        changed = changed_test_images(data_changes(args.baseline, args.current))
    except DvcError as exc:
        print(f"note: the data changed, but a version could not be read to compare: {exc}")
        changed = 0
    if changed:
        print(
            f"note: the test set changed ({changed} test images added, removed, relabelled or "
            "moved): these accuracies are on different test images, not comparable one to one"
        )
    failed = int((table["result"] != "PASS").sum())
    print(
        f"gate {'FAILED' if failed else 'PASSED'}: {len(table) - failed} of {len(table)} rules hold"
    )
    return 1 if failed else 0
