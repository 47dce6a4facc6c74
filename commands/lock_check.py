"""Check that uv.lock still matches pyproject.toml, before anything is installed from it.

    python -m commands.lock_check [--pyproject pyproject.toml] [--lock uv.lock]

``make venv`` runs this first with the system Python (standard library only), so a dependency
added to pyproject.toml without ``make lock`` is one line naming the package and the fix, not a
page of resolver output; ``uv sync --locked`` then refuses any drift this does not see. Exit 0
when they agree (or on Python 3.10 without tomli, where only uv checks), 2 when they do not.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fmnist.environment import FIX, LOCK_FILE, PYPROJECT, lock_drift, read_toml
from fmnist.errors import PipelineError
from fmnist.stage_runner import run_stage


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyproject", default=str(PYPROJECT))
    parser.add_argument("--lock", default=str(LOCK_FILE))
    args = parser.parse_args(argv)
    try:
        pyproject, lock = read_toml(args.pyproject), read_toml(args.lock)
    except FileNotFoundError as exc:
        raise PipelineError(f"{exc.filename} is missing; {FIX}") from None
    if pyproject is None or lock is None:
        return  # no TOML reader on this Python: `uv sync --locked` still refuses a stale lock
    problems = lock_drift(pyproject, lock)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PipelineError(f"uv.lock is out of date: {problems[0]}{more}; {FIX}")


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
