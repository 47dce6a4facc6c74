"""The CI report's tables and Markdown, from what DVC and the gate say (no I/O here).

:mod:`fmnist.evaluation.ci_inputs` gathers the inputs (the gate's table, ``dvc params diff --json``,
``dvc metrics diff --json``, the per-class tables of both revisions, the environments of both
runs (``metrics/environment.json``), the rendered plots) and writes the result.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from fmnist.environment import package_changes

PARAM_COLUMNS = ["file", "param", "baseline", "now"]
METRIC_COLUMNS = ["file", "metric", "baseline", "now", "change"]
RECALL_COLUMNS = ["model", "class", "baseline", "now", "change"]
ENVIRONMENT_COLUMNS = ["model", "package", "baseline", "now"]
LOCK_ROW = "uv.lock (sha256)"


def params_changes(diff: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """``dvc params diff --json`` as a table, one row per changed param."""
    rows = [
        {"file": file, "param": name, "baseline": change.get("old"), "now": change.get("new")}
        for file, params in diff.items()
        for name, change in params.items()
    ]
    return pd.DataFrame(rows, columns=PARAM_COLUMNS)


def metrics_changes(diff: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """``dvc metrics diff --json`` as a table, one row per changed metric."""
    rows = [
        {
            "file": file,
            "metric": name,
            "baseline": change.get("old"),
            "now": change.get("new"),
            "change": change.get("diff"),
        }
        for file, metrics in diff.items()
        for name, change in metrics.items()
    ]
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def recall_changes(baseline: pd.DataFrame | None, now: pd.DataFrame) -> pd.DataFrame:
    """Each model's per-class recall at both revisions (``metrics/per_class.csv``), the classes
    in the table's own (the dataset's) order; ``baseline`` None: the file is not there."""
    current = now[["model", "class", "recall"]].rename(columns={"recall": "now"})
    if baseline is None:
        return current.assign(baseline=None, change=None)[RECALL_COLUMNS]
    old = baseline[["model", "class", "recall"]].rename(columns={"recall": "baseline"})
    table = current.merge(old, on=["model", "class"], how="left")
    table["change"] = (table["now"] - table["baseline"]).round(4)
    return table[RECALL_COLUMNS]


def environment_changes(baseline: Mapping[str, Any] | None, now: Mapping[str, Any]) -> pd.DataFrame:
    """What differs between the environments each model was made in at the baseline and now
    (``metrics/environment.json``): the lock's digest, Python, then every package whose version
    differs, one row each. Where the baseline recorded no environment for a model, only the lock,
    Python and platform rows are shown (not every package as new)."""
    rows = []
    for model, current in now.items():
        old = (baseline or {}).get(model) or {}
        current = current or {}
        pairs = [
            (LOCK_ROW, _short_digest(old.get("lock")), _short_digest(current.get("lock"))),
            ("python", old.get("python"), current.get("python")),
            ("platform", old.get("platform"), current.get("platform")),
        ]
        if old:
            pairs += package_changes(old.get("packages", {}), current.get("packages", {}))
        rows += [
            {"model": model, "package": name, "baseline": before, "now": after}
            for name, before, after in pairs
            if before != after
        ]
    return pd.DataFrame(rows, columns=ENVIRONMENT_COLUMNS)


def _short_digest(digest: str | None) -> str | None:
    """'sha256:5a372eba1335e989...' -> '5a372eba1335', as a table shows it."""
    return digest.removeprefix("sha256:")[:12] if digest else digest


def figure_name(title: str) -> str:
    """A file name for a plot title: 'CNN loss per epoch (train vs validation)' ->
    'cnn_loss_per_epoch_train_vs_validation.png'."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") + ".png"


@dataclasses.dataclass
class CiReport:
    """Everything the report says; :meth:`markdown` writes it."""

    baseline: str  # as the user named it
    baseline_sha: str
    current: str
    gate: pd.DataFrame  # fmnist.evaluation.gate.gate_table
    params: pd.DataFrame  # params_changes
    metrics: pd.DataFrame  # metrics_changes
    recall: pd.DataFrame  # recall_changes
    environment: pd.DataFrame  # environment_changes
    figures: Sequence[tuple[str, str]]  # (title, file name beside the report)
    notes: Sequence[str] = ()  # what could not be shown, and why
    # what changed in the data (fmnist.data.versions.DataDiff.per_split), None: the same data
    data: pd.DataFrame | None = None
    data_counts: Mapping[str, int] = dataclasses.field(default_factory=dict)
    test_images_changed: int = 0

    @property
    def gate_failed(self) -> int:
        return int((self.gate["result"] != "PASS").sum())

    def tables(self) -> dict[str, Any]:
        """The report's tables as JSON-ready records (``report.json`` beside the Markdown)."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            # not DataFrame.to_json: it rounds floats to 10 digits, and these are DVC's own
            cells = frame.astype(object).where(frame.notna(), None)
            return [
                {key: value.item() if hasattr(value, "item") else value for key, value in row.items()}
                for row in cells.to_dict(orient="records")
            ]

        return {
            "baseline": self.baseline,
            "baseline_sha": self.baseline_sha,
            "current": self.current,
            "gate_failed": self.gate_failed,
            **{
                name: records(getattr(self, name))
                for name in ("gate", "params", "metrics", "recall", "environment")
            },
            "figures": [{"title": title, "file": name} for title, name in self.figures],
            "notes": list(self.notes),
            "data": None if self.data is None else records(self.data.reset_index()),
            "data_counts": dict(self.data_counts),
            "test_images_changed": self.test_images_changed,
        }

    def markdown(self, image_prefix: str = "") -> str:
        held = len(self.gate) - self.gate_failed
        verdict = "FAILED" if self.gate_failed else "PASSED"
        lines = [
            f"# CI report: {self.current} against {self.baseline} ({self.baseline_sha[:7]})",
            "",
            f"**Accuracy gate {verdict}: {held} of {len(self.gate)} rules hold** "
            "(rules: `params.yaml`, `gate:`).",
            "",
            _table(self.gate),
            "",
            *(
                [
                    f"**The test set changed** ({self.test_images_changed} test images added, "
                    "removed, relabelled or moved): the accuracies compared above are on "
                    "different test images, not one to one.",
                    "",
                ]
                if self.test_images_changed
                else []
            ),
            *self._data_lines(),
            "## Params changed (`dvc params diff`)",
            "",
            _table(self.params) if len(self.params) else "No param changed.",
            "",
            "## Metrics changed (`dvc metrics diff`)",
            "",
            _table(self.metrics) if len(self.metrics) else "No metric changed.",
            "",
            "## Per-class recall (`metrics/per_class.csv`)",
            "",
            _table(self.recall),
            "",
            "## Environment (`metrics/environment.json`: lock, Python, package versions)",
            "",
            _table(self.environment)
            if len(self.environment)
            else "The same lock, Python and package versions as the baseline.",
            "",
            "## Curves and confusion matrices (baseline and current)",
            "",
        ]
        for title, name in self.figures:
            lines += [f"### {title}", "", f"![{title}]({image_prefix}{name})", ""]
        if not self.figures:
            lines += ["No plot could be rendered.", ""]
        if self.notes:
            lines += ["## Notes", "", *[f"- {note}" for note in self.notes], ""]
        return "\n".join(lines)

    def _data_lines(self) -> list[str]:
        if self.data is None:
            return []
        counts = ", ".join(f"{n} {change}" for change, n in self.data_counts.items() if n)
        return [
            f"## Data changed (`fmnist data diff {self.baseline}`)",
            "",
            f"Images: {counts or 'none changed'}.",
            "",
            _table(self.data.reset_index()) if len(self.data) else "",
            "",
        ]


def _table(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt="g")
