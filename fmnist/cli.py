"""What every stage's and command's entry point shares: logging and one-line errors."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

from fmnist.errors import Interrupted, PipelineError

INTERRUPTED_EXIT = 130  # the shell's code for a process ended by SIGINT
TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
NVIDIA_DRIVER = Path("/proc/driver/nvidia")


def quiet_tensorflow_logs(
    gpu_driver: bool | None = None, environ: MutableMapping[str, str] = os.environ
) -> None:
    """Without an NVIDIA driver, keep TensorFlow's CUDA start-up errors (``failed call to
    cuInit``) off the terminal: ``TF_CPP_MIN_LOG_LEVEL=3``, unless the user set that variable
    (``TF_CPP_MIN_LOG_LEVEL=0`` shows everything). Call before TensorFlow is imported."""
    if gpu_driver is None:
        gpu_driver = NVIDIA_DRIVER.exists()
    if not gpu_driver:
        environ.setdefault(TF_LOG_LEVEL, "3")


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


def run_stage(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a stage's main; bad input becomes one ``error:`` line and exit code 2.

    SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted`, so temporary outputs are removed on
    the way out; the run ends with one ``error:`` line and exit code 130. TensorFlow's CUDA
    start-up errors are kept quiet on machines without an NVIDIA driver.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    quiet_tensorflow_logs()  # stages import TensorFlow inside main(), after this
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
