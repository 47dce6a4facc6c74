"""Print where a pipeline run's time went: each stage's wall seconds, as ``make run`` ends.

    python -m commands.stage_times [--since EPOCH_SECONDS]

Every stage script records its process's wall seconds (imports included) in
``build/stage-times.jsonl`` (``fmnist.stage_runner.record_stage_time``). This prints the stages
that ended after ``--since`` (``make run`` passes the time ``dvc repro`` started), slowest first,
their sum, the wall time since ``--since`` and what DVC itself took beside the stages (hashing,
caching, checking out). A stage the run-cache restored ran no process and is not
listed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from fmnist.stage_runner import STAGE_TIMES


def read_times(path: Path, since: float) -> list[dict]:
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [row for row in rows if row["end"] >= since]


def table(rows: Sequence[dict], wall: float | None) -> str:
    """The stages' seconds as a Markdown table, slowest first, with their sum (and DVC's own
    share of ``wall``)."""
    if not rows:
        return "stage times: no stage ran (all up to date, or restored from the run-cache)"
    lines = ["| stage | wall s |", "|---|---:|"]
    for row in sorted(rows, key=lambda r: -r["seconds"]):
        failed = "" if row["exit"] == 0 else f" (exit {row['exit']})"
        lines.append(f"| {row['stage']}{failed} | {row['seconds']:.1f} |")
    total = sum(row["seconds"] for row in rows)
    lines.append(f"| stages in all | {total:.1f} |")
    if wall is not None:
        lines.append(f"| `dvc repro` in all (DVC's own work: {wall - total:.1f}) | {wall:.1f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=float, help="epoch seconds: when dvc repro started")
    parser.add_argument("--file", type=Path, default=STAGE_TIMES)
    args = parser.parse_args(argv)
    wall = None if args.since is None else time.time() - args.since
    print(table(read_times(args.file, args.since or 0.0), wall))


if __name__ == "__main__":
    main()
