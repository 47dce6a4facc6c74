"""``fmnist ci-report``: the gate, params and metrics diffs, recall, curves and matrices.

    fmnist ci-report [BASELINE] [--out build/ci-report]

Compares the workspace with BASELINE (a git revision or DVC experiment name, default HEAD)
and writes ``<out>/report.md`` (its tables also in ``report.json``) with the PNG figures
beside it: the accuracy gate's table, ``dvc params diff`` and ``dvc metrics diff`` against
BASELINE (what changed), each model's per-class recall at both revisions, and the pipeline's
Vega plots (CNN curves, both confusion matrices), the baseline and the current one together,
rendered to PNG by vl-convert without any network. When ``GITHUB_STEP_SUMMARY`` names a file,
the Markdown is appended to it too (GitHub Actions shows it on the run and the pull request;
the images are in ``<out>``, for an artifact upload).
The report never decides anything: ``fmnist gate`` does; this exits 0 whatever the verdict.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

HELP = "the CI report: gate, params and metrics diffs, recall, environment, curves, matrices"
DEFAULT_OUT = Path("build/ci-report")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", nargs="?", default="HEAD", help="git revision or exp name")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory")
    parser.add_argument("--params", default="params.yaml")


def run(args: argparse.Namespace) -> int:
    from fmnist.evaluation.ci_inputs import build_report
    from fmnist.files import atomic_path

    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        report = build_report(args.baseline, args.params, tmp)
        (tmp / "report.md").write_text(report.markdown())
        (tmp / "report.json").write_text(json.dumps(report.tables(), indent=2) + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a") as fh:
            fh.write(report.markdown(image_prefix=f"{args.out}/") + "\n")
    verdict = "FAILED" if report.gate_failed else "PASSED"
    print(f"ci report: {args.out / 'report.md'} (gate {verdict}, {len(report.figures)} figures)")
    return 0
