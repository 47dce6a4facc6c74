"""What a review's decisions change: counts by action, the data diff of the version they make
(the split stage's data with the corrections file applied), and the commands that train it
and compare it with the current version."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

from fmnist.data.corrections import ACTIONS
from fmnist.data.split_files import SPLITS, load_classes, load_split
from fmnist.data.versions import DataVersion, diff_versions
from fmnist.review.ledger import Ledger

DIFF_LISTED = 200  # changed images listed in the summary


def review_summary(ledger: Ledger, params_path: str | Path, split_dir: str | Path) -> dict[str, Any]:
    """The decisions so far and the version they make, against the split in ``split_dir``."""
    from fmnist.data.split import split_arrays, split_dataset
    from fmnist.params import load_params

    params = load_params(params_path)
    corrections = str(ledger.path)
    actions = Counter(row["action"] for row in ledger.rows.values())
    result: dict[str, Any] = {
        "corrections": corrections,
        "decisions": {action: actions.get(action, 0) for action in ACTIONS},
        "progress": ledger.progress(),
        "commands": [
            f"dvc exp run -n reviewed -S data.corrections={corrections}",
            "fmnist report   # the study report scores both versions on both label sets",
            "fmnist data diff HEAD reviewed   # after the experiment: the data, image by image",
        ],
    }
    if params.data.corrections and params.data.corrections != corrections:
        result["warning"] = (
            f"params.yaml applies {params.data.corrections}, not {corrections}: the version "
            "below has this file's corrections instead of those"
        )
    if not ledger.rows:
        result["diff"] = None
        return result
    current = DataVersion.from_arrays(
        {name: load_split(split_dir, name) for name in SPLITS}, load_classes(split_dir)
    )
    pending_params = dataclasses.replace(
        params, data=dataclasses.replace(params.data, corrections=corrections)
    )
    data, split, _ = split_dataset(pending_params)
    diff = diff_versions(current, DataVersion.from_arrays(split_arrays(data, split), data.classes))
    shown = diff.to_json()
    shown["images"] = shown["images"][:DIFF_LISTED]
    result["diff"] = shown
    return result


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as ``fmnist review --summary`` prints it."""
    lines = [
        f"review: {summary['progress']['reviewed']} of {summary['progress']['total']} findings "
        f"decided, in {summary['corrections']} ({sum(summary['decisions'].values())} rows: "
        + ", ".join(f"{n} {action}" for action, n in summary["decisions"].items())
        + ")"
    ]
    if summary.get("warning"):
        lines.append(f"warning: {summary['warning']}")
    diff = summary.get("diff")
    if diff:
        counts = ", ".join(f"{n} {change}" for change, n in diff["counts"].items() if n)
        lines.append(
            f"the version they make: {diff['old_images']} -> {diff['new_images']} images; "
            f"{counts or 'no change'}"
        )
    lines.append("train and compare it:")
    lines.extend(f"  {command}" for command in summary["commands"])
    return "\n".join(lines)
