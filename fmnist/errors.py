"""Errors a stage reports as one clear line (see :func:`fmnist.cli.run_stage`)."""


class PipelineError(Exception):
    """Bad input: a stage stops with this message and a non-zero exit, writing nothing."""


class ParamsError(PipelineError, ValueError):
    """A params.yaml key is unknown, missing, of the wrong type or out of range."""


class DataError(PipelineError):
    """An input file is missing, truncated or corrupt."""


class Interrupted(Exception):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM: one line, exit code 130, nothing half-written."""
