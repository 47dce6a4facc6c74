"""The one way this project talks to DVC: its CLI run with a time limit, and files read at a
revision through ``dvc.api``.

Every command and library module that runs ``dvc`` goes through :func:`run_dvc`: this Python's
own dvc (``python -m dvc``), with this Python's directory first on PATH so that the stages DVC
starts (``python -m stages.X``) run with this interpreter too, also when the venv is not
activated. Output is captured (and ``--json`` parsed) or streamed to the terminal. A command
that runs past its ``timeout_s`` is ended with everything it started (its own process group),
and a failure is one :class:`DvcError` whose message carries DVC's last line and the failing
stage's own last error line, which DVC prints above it and does not repeat.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from fmnist.errors import PipelineError, first_line

# a dvc command that reads or compares (status, diffs, exp show) takes seconds; one still
# running after this long is stuck
QUERY_TIMEOUT_S = 600.0

# seconds between SIGTERM and SIGKILL when a command is ended: a stage's Interrupted handler
# removes its temporary outputs in that time
KILL_GRACE_S = 10.0

# what a stage prints last when it fails: this project's one-line errors, or the last line of
# a Python traceback (``ModuleNotFoundError: No module named 'x'``)
STAGE_ERROR = re.compile(r"^(error: .+|[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)(: .*)?)$")


class DvcError(PipelineError):
    """A dvc command failed or ran out of time; ``reason`` is the one line that says why."""

    def __init__(
        self, command: Sequence[str], reason: str, timed_out: bool = False, subject: str = ""
    ) -> None:
        super().__init__(f"{subject or 'dvc ' + ' '.join(command)}: {reason}")
        self.command = list(command)
        self.reason = reason
        self.timed_out = timed_out


@dataclasses.dataclass(frozen=True)
class DvcResult:
    """A finished dvc command: its exit code and, when captured, its output."""

    args: list[str]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def json(self) -> Any:
        """The ``--json`` answer (DVC prints nothing for an empty one)."""
        return json.loads(self.stdout or "{}")


def failure_reason(stderr: str) -> str:
    """Why a dvc command failed, in one line: DVC's own last line ("failed to reproduce
    'train_cnn' ... exited with 2"), then the failing stage's last error line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "failed, saying nothing"
    dvc_line = lines[-1]
    stage = [line for line in lines[:-1] if STAGE_ERROR.match(line)]
    return f"{dvc_line}; the stage said: {stage[-1]}" if stage else dvc_line


def _unreadable(path: str, rev: str | None, exc: BaseException) -> DvcError:
    where = f"{rev!r}" if rev else "the workspace"
    return DvcError([], first_line(exc), subject=f"{path} at {where}")


def dvc_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``environ`` with this Python's directory first on PATH (the stages' interpreter)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])
    return {**environ, "PATH": path}


def _end(process: subprocess.Popen) -> None:
    """Stop ``process`` and every process it started: SIGTERM, then SIGKILL after a grace."""
    for sig, wait_s in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_dvc(
    args: Sequence[str],
    *,
    timeout_s: float | None = None,
    capture: bool = True,
    check: bool = True,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> DvcResult:
    """Run ``dvc ARGS`` and wait at most ``timeout_s`` seconds (None: no limit).

    ``capture``: keep stdout and stderr (else they go to the terminal as they come).
    ``check``: a non-zero exit raises :class:`DvcError`; a time-out always does.
    """
    command = [sys.executable, "-m", "dvc", *args]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=dvc_environment(env if env is not None else os.environ),
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
        text=True,
        start_new_session=True,  # its own process group: a time-out ends the stages it started
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _end(process)
        reason = f"ran past its time limit of {timeout_s:g} s and was ended"
        raise DvcError(args, reason, timed_out=True) from None
    except BaseException:  # Ctrl-C, SIGTERM: nothing is left running behind us
        _end(process)
        raise
    result = DvcResult(list(args), process.returncode, stdout or "", stderr or "")
    if check and not result.ok:
        raise DvcError(args, failure_reason(result.stderr) if capture else "failed (see above)")
    return result


def dvc_json(args: Sequence[str], **options: Any) -> Any:
    """The ``--json`` answer of ``dvc ARGS`` (the CLI's documented output)."""
    return run_dvc([*args, "--json"], **options).json()


@contextlib.contextmanager
def open_at_rev(path: str, rev: str | None, mode: str = "r") -> Iterator[IO]:
    """``path`` as it is at git revision or experiment ``rev`` (None: the workspace), from git
    or, for a DVC output, from the cache or the default remote: no checkout. A file that cannot
    be read there is one :class:`DvcError` naming it and the revision."""
    if rev is None:
        try:
            file = open(path, mode)  # noqa: SIM115 (closed below; only opening is wrapped)
        except FileNotFoundError:
            raise DvcError([], "not in the workspace", subject=path) from None
        with file:
            yield file
        return
    import dvc.api  # slow to import (about a second): only readers of revisions need it
    from dvc.exceptions import DvcException

    with contextlib.ExitStack() as stack:
        try:
            file = stack.enter_context(dvc.api.open(path, rev=rev, mode=mode))
        except (DvcException, OSError) as exc:
            raise _unreadable(path, rev, exc) from None
        yield file


def read_at_rev(path: str, rev: str | None, mode: str = "r") -> str | bytes:
    """The whole of ``path`` at ``rev`` (see :func:`open_at_rev`); DVC may fetch lazily, so a
    failure while reading is the same one-line :class:`DvcError` as one while opening."""
    from dvc.exceptions import DvcException

    with open_at_rev(path, rev, mode) as file:
        try:
            return file.read()
        except (DvcException, OSError) as exc:
            raise _unreadable(path, rev, exc) from None


def metrics_at_rev(path: str, rev: str | None) -> dict[str, Any]:
    """A metrics file (JSON or YAML) at ``rev`` as DVC parses it (``dvc.api.metrics_show``)."""
    import dvc.api
    from dvc.exceptions import DvcException

    try:
        return dvc.api.metrics_show(path, rev=rev) or {}
    except (DvcException, OSError) as exc:
        raise _unreadable(path, rev, exc) from None
