"""What the CI report compares, gathered from git and DVC: the gate's table, ``dvc params diff``
and ``dvc metrics diff --json``, per-class recall and package versions at both revisions, and
the pipeline's Vega plots rendered to PNG (:mod:`fmnist.evaluation.ci_report` shapes them).
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from fmnist.data.versions import changed_test_images, data_changes
from fmnist.dvc_adapter import QUERY_TIMEOUT_S, DvcError, dvc_json, read_at_rev
from fmnist.errors import PipelineError
from fmnist.evaluation.ci_report import (
    CiReport,
    environment_changes,
    figure_name,
    metrics_changes,
    params_changes,
    recall_changes,
)
from fmnist.evaluation.gate import gate_table
from fmnist.metrics import read_metrics
from fmnist.params import load_params
from fmnist.revisions import resolve_revision

log = logging.getLogger(__name__)
DEFAULT_OUT = Path("build/ci-report")
PER_CLASS = "metrics/per_class.csv"
ENVIRONMENT = "metrics/environment.json"


def text_at(path: str, rev: str | None) -> str | None:
    """A git-tracked file's text at ``rev`` (None: the workspace), or None when it is not there."""
    try:
        return str(read_at_rev(path, rev))
    except DvcError as exc:  # missing at that revision: the report says so
        log.warning("%s", exc)
        return None


def per_class_at(rev: str | None) -> pd.DataFrame | None:
    """``metrics/per_class.csv`` at ``rev`` (None: the workspace), or None when it is not there."""
    text = text_at(PER_CLASS, rev)
    return None if text is None else pd.read_csv(io.StringIO(text))


def environment_at(rev: str | None) -> dict[str, Any] | None:
    """``metrics/environment.json`` at ``rev`` (None: the workspace), or None when not there."""
    text = text_at(ENVIRONMENT, rev)
    return None if text is None else json.loads(text)


def render_plots(baseline: str, out: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The Vega plots of ``dvc plots diff BASELINE`` as PNG files in ``out``; and notes on what
    DVC could not find (for instance a baseline output in neither the cache nor the remote)."""
    import vl_convert  # the pinned renderer of the offline plots page: no network

    with tempfile.TemporaryDirectory() as images:
        answer = dvc_json(["plots", "diff", baseline, "-o", images], timeout_s=QUERY_TIMEOUT_S)
    notes = [
        f"{error.get('name')} at {error.get('rev')}: {error.get('type')} {error.get('msg') or ''}"
        for error in answer.get("errors") or []
    ]
    figures = []
    for title, renderers in answer.get("data", {}).items():
        for renderer in renderers:
            if renderer.get("type") != "vega":
                continue  # the PNG figures: cached outputs, shown by `dvc plots diff` itself
            name = figure_name(title)
            (out / name).write_bytes(vl_convert.vegalite_to_png(renderer["content"], scale=1))
            revisions = ", ".join(renderer.get("revisions", []))
            figures.append((f"{title} — {revisions}", name))
    return figures, notes


def build_report(baseline: str, params_path: str, out: Path) -> CiReport:
    sha = resolve_revision(baseline)  # a typo is one error line, before any work
    rules = load_params(params_path).gate.rules
    files = [rule.file for rule in rules]
    gate = gate_table(rules, read_metrics(files, baseline), read_metrics(files, None))
    old_per_class, new_per_class = per_class_at(baseline), per_class_at(None)
    if new_per_class is None:
        raise PipelineError(f"{PER_CLASS}: not in the workspace (run `dvc repro` first)")
    figures, notes = render_plots(baseline, out)
    if old_per_class is None:
        notes.append(f"{PER_CLASS} is not in {baseline}: no baseline recall")
    old_environment, new_environment = environment_at(baseline), environment_at(None)
    if old_environment is None:
        notes.append(f"{ENVIRONMENT} is not in {baseline}: no package versions to compare")
    if new_environment is None:
        raise PipelineError(f"{ENVIRONMENT}: not in the workspace (run `dvc repro` first)")
    try:
        data = data_changes(baseline)
    except DvcError as exc:
        data = None
        notes.append(f"the data changed, but a version could not be read: {exc}")
    return CiReport(
        baseline=baseline,
        baseline_sha=sha,
        current="workspace",
        gate=gate,
        params=params_changes(dvc_json(["params", "diff", baseline], timeout_s=QUERY_TIMEOUT_S)),
        metrics=metrics_changes(dvc_json(["metrics", "diff", baseline], timeout_s=QUERY_TIMEOUT_S)),
        recall=recall_changes(old_per_class, new_per_class),
        environment=environment_changes(old_environment, new_environment),
        figures=figures,
        notes=notes,
        data=None if data is None else data.per_split(),
        data_counts={} if data is None else data.counts(),
        test_images_changed=changed_test_images(data),
    )
