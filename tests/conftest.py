"""Fixtures: tiny synthetic IDX data for unit tests, a temp DVC project for slow ones."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fmnist.data.idx import write_idx
from tests.helpers import (
    BASELINE,
    ROOT,
    DvcProject,
    PostgresServer,
    balanced_labels,
    clone_baseline,
    copy_project,
    require_real_data,
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
    return lambda name="project": copy_project(tmp_path / name)


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The slow tests' shared run (tests.helpers.BASELINE, the whole DAG from nothing,
    committed), made once per test session: under pytest-xdist the first worker that needs it
    makes it while the others wait on a file lock, then every worker reads the same one. What
    its `dvc repro` printed is beside it (:func:`baseline_repro`)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the session's folder, above each worker's own
    path, done = shared / "baseline-run", shared / "baseline-run.done"
    with open(shared / "baseline-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            require_real_data()
            shutil.rmtree(path, ignore_errors=True)
            printed = copy_project(path).commit_baseline(**BASELINE)
            repro_output(path).write_text(printed)
            done.touch()
    return path


def repro_output(baseline: Path) -> Path:
    return baseline.with_name(baseline.name + ".repro.txt")


@pytest.fixture
def baseline_repro(baseline_run: Path) -> str:
    """What the shared run's `dvc repro` printed: every stage, run from nothing."""
    return repro_output(baseline_run).read_text()


@pytest.fixture
def baseline_project(baseline_run: Path, tmp_path: Path) -> Callable[..., DvcProject]:
    """A clone of the shared baseline run, outputs and run-cache included: a test trains only
    what it changes."""
    return lambda name="project": clone_baseline(baseline_run, tmp_path / name)


@pytest.fixture
def postgres():
    """A running PostgreSQL server of its own (see :class:`tests.helpers.PostgresServer`)."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()
