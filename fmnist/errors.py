"""Errors a stage reports as one clear line (see :func:`fmnist.stage_runner.run_stage`)."""


class PipelineError(Exception):
    """Bad input: a stage stops with this message and a non-zero exit, writing nothing."""


class ParamsError(PipelineError, ValueError):
    """A params.yaml key is unknown, missing, of the wrong type or out of range."""


class DataError(PipelineError):
    """An input file is missing, truncated or corrupt."""


class Interrupted(Exception):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM: one line, exit code 130, nothing half-written."""


def first_line(exc: BaseException) -> str:
    """An exception's message cut to its first line (its class name when it has none), for the
    one-line errors this project prints instead of tracebacks."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
