"""What every stage's and command's entry point shares: logging and one-line errors."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Sequence

from fmnist.errors import Interrupted, PipelineError

INTERRUPTED_EXIT = 130  # the shell's code for a process ended by SIGINT


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


def run_stage(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a stage's main; bad input becomes one ``error:`` line and exit code 2.

    SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted`, so temporary outputs are removed on
    the way out; the run ends with one ``error:`` line and exit code 130.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    previous = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return int(main(argv) or 0)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return INTERRUPTED_EXIT
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
