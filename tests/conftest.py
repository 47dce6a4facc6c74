"""Fixtures: tiny synthetic IDX data for unit tests, a temp DVC project for slow ones."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fmnist.data.idx import write_idx
from tests.helpers import (
    ROOT,
    DvcProject,
    PostgresServer,
    balanced_labels,
    synthetic_images,
    write_params,
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for ``-n auto`` (make test): one more than the usable CPU cores, at most 4. An
    end-to-end test leaves its cores idle while it waits on git, dvc and files, so on 2 cores a
    third worker fills them (measured in docs/ci.md); each worker holds a TensorFlow of its own,
    hence the cap."""
    return min(len(os.sched_getaffinity(0)) + 1, 4)


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A directory with the four original file names, holding small synthetic data."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for prefix, per_class, seed in (("train", 30, 1), ("t10k", 10, 2)):
        labels = balanced_labels(per_class, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", synthetic_images(labels, seed))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return raw


@pytest.fixture
def params_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a copy of the project's params.yaml with some values changed; returns its path."""
    return lambda **changes: write_params(tmp_path / "params.yaml", ROOT / "params.yaml", **changes)


@pytest.fixture
def dvc_project(tmp_path: Path) -> Callable[..., DvcProject]:
    """Make a temp git repo holding this project's committed (and untracked) source files."""

    def make(name: str = "project") -> DvcProject:
        dest = tmp_path / name
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for rel in listed:
            src = ROOT / rel
            if src.is_file() and not rel.startswith(("metrics/", "plots/", "dvclive/", "reports/")):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
        (dest / "dvc.lock").unlink(missing_ok=True)
        project = DvcProject(dest)
        project.run("git", "init", "-q", "-b", "main")
        project.commit("copy of the project")
        return project

    return make


@pytest.fixture
def postgres():
    """A running PostgreSQL server of its own (see :class:`tests.helpers.PostgresServer`)."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()
