"""What every stage's and command's entry point shares: logging and one-line errors."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

from fmnist.errors import Interrupted, PipelineError

INTERRUPTED_EXIT = 130  # the shell's code for a process ended by SIGINT
TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
NVIDIA_DRIVER = Path("/proc/driver/nvidia")
# each stage's wall seconds, one JSON line per run (commands/stage_times.py prints them): not a
# DVC output, never in git (build/ is ignored)
STAGE_TIMES = Path("build/stage-times.jsonl")


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


def process_seconds() -> float | None:
    """Wall seconds since this process started (its imports included), from /proc; None where
    there is no /proc (then the caller's own clock is used)."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def record_stage_time(started: float, code: int, script: str | None = None) -> None:
    """Append this stage's wall seconds to :data:`STAGE_TIMES` when the process is a stage
    script (``python -m stages.NAME``; ``script``: its path, default ``sys.argv[0]``); never
    fails the stage."""
    path = Path(sys.argv[0] if script is None else script)
    if path.parent.name != "stages" or path.stem.startswith("_"):
        return
    seconds = process_seconds() or time.perf_counter() - started
    line = {"stage": path.stem, "seconds": round(seconds, 2), "exit": code, "end": time.time()}
    try:
        STAGE_TIMES.parent.mkdir(parents=True, exist_ok=True)
        with STAGE_TIMES.open("a") as file:
            file.write(json.dumps(line) + "\n")
    except OSError:
        pass


def run_stage(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a stage's main; bad input becomes one ``error:`` line and exit code 2.

    SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted`, so temporary outputs are removed on
    the way out; the run ends with one ``error:`` line and exit code 130. TensorFlow's CUDA
    start-up errors are kept quiet on machines without an NVIDIA driver.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    quiet_tensorflow_logs()  # stages import TensorFlow inside main(), after this
    previous = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    started, code = time.perf_counter(), 1
    try:
        code = int(main(argv) or 0)
        return code
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
        return code
    except Interrupted as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = INTERRUPTED_EXIT
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        record_stage_time(started, code)


PROJECT_DISTRIBUTION = "fmnist-dvc"  # pyproject.toml's [project] name


def project_installed(search_path: Sequence[str] = tuple(sys.path)) -> bool:
    """Whether this interpreter has the project installed (and with it every package it needs).

    The project's own folder is not looked in: it holds a build's ``fmnist_dvc.egg-info``, and
    a folder there named like a package (the ``dvclive/`` output) is no installed package.
    """
    import importlib.metadata

    here = Path.cwd().resolve()
    installed = [p for p in search_path if p and Path(p).resolve() != here]
    found = importlib.metadata.distributions(name=PROJECT_DISTRIBUTION, path=installed)
    return next(iter(found), None) is not None


def require_project_python() -> None:
    """Stop with one line, exit 2, when the stage runs under a Python that lacks the project's
    packages (``.venv/bin/dvc repro`` with the venv not activated runs ``python`` from PATH)."""
    if not project_installed():
        print(
            f"error: {sys.executable} lacks this project's packages ({PROJECT_DISTRIBUTION} is "
            "not installed in it): activate the venv (`source .venv/bin/activate`) or run "
            "`make run`",
            file=sys.stderr,
        )
        raise SystemExit(2)
