"""What every stage's ``main()`` shares: logging, one-line errors, atomic outputs, versions."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from stages.errors import PipelineError

log = logging.getLogger("stages")

RECORDED_LIBRARIES = ("numpy", "scikit-learn", "tensorflow", "keras", "dvc", "dvclive")


def run_stage(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a stage's main; bad input becomes one ``error:`` line and exit code 2."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        return int(main(argv) or 0)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


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


def read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise PipelineError(f"{path}: file not found (run the stage that writes it)") from None


def write_model_meta(
    path: str | Path, model_path: str | Path, params: dict[str, Any], summary: dict[str, Any]
) -> None:
    """Record beside a model what made it: its params sections, run summary, library versions."""
    write_json(
        path,
        {
            "model": Path(model_path).name,
            "params": {name: dataclasses.asdict(section) for name, section in params.items()},
            "summary": summary,
            "versions": library_versions(),
        },
    )


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape a model's numbers."""
    versions = {"python": platform.python_version()}
    for name in RECORDED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
