"""What every stage's and command's entry point shares: logging and one-line errors."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from fmnist.errors import PipelineError


def run_stage(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a stage's main; bad input becomes one ``error:`` line and exit code 2."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        return int(main(argv) or 0)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
