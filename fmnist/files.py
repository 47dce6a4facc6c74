"""Output helpers: atomic files and directories, JSON, and the one "missing input" error."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fmnist.errors import DataError


def require_file(path: str | Path, stage: str) -> Path:
    """``path``, or a one-line error naming the stage that writes it when it is missing."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found (run `dvc repro {stage}` to write it)")
    return path


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` at once.

    Works for files and directories. On any exception the temporary path is removed, so a
    failed or interrupted stage never leaves an output that looks complete.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the suffix: some writers (Keras' model.save) insist on it
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    )
    tmp.rmdir()  # the caller creates a file or a directory here
    try:
        yield tmp
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        elif tmp.exists():
            tmp.unlink()


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def read_json(path: str | Path, stage: str) -> Any:
    """The JSON content of ``path``, which ``stage`` writes."""
    return json.loads(require_file(path, stage).read_text())
