"""Shared fixtures: tiny synthetic IDX data for unit tests, a temp DVC project for slow ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from stages.dataset import NUM_CLASSES
from stages.idx import write_idx

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")


def synthetic_images(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """28x28 uint8 images whose class is visible: a bright bar whose row depends on the label."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label : 4 + 2 * label, 4:24] = 220
    return images


def balanced_labels(per_class: int, seed: int = 0) -> np.ndarray:
    labels = np.repeat(np.arange(NUM_CLASSES, dtype=np.uint8), per_class)
    return np.random.default_rng(seed).permutation(labels)


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
    """Write a copy of the project's params.yaml with some values changed."""

    def write(**changes: dict) -> Path:
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
        for section, values in changes.items():
            params[section].update(values)
        path = tmp_path / "params.yaml"
        path.write_text(yaml.safe_dump(params))
        return path

    return write


def require_real_data() -> None:
    """Skip without Debian's dataset-fashion-mnist, except in CI, where it must be installed."""
    if not DEBIAN_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{DEBIAN_DATA} missing in CI: .ci/run must install dataset-fashion-mnist")
        pytest.skip(f"{DEBIAN_DATA} missing: apt-get install dataset-fashion-mnist")


class DvcProject:
    """A copy of this project in a fresh git repo, driven through the real dvc CLI."""

    def __init__(self, path: Path) -> None:
        self.path = path
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "DVC_NO_ANALYTICS": "1",
            "GIT_AUTHOR_NAME": "test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "PYTHONPATH": str(path),
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            args, cwd=self.path, env=self.env, capture_output=True, text=True, timeout=1800
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result

    def dvc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "dvc", *args, check=check)

    def set_params(self, **changes: dict) -> None:
        path = self.path / "params.yaml"
        params = yaml.safe_load(path.read_text())
        for section, values in changes.items():
            params[section].update(values)
        path.write_text(yaml.safe_dump(params, sort_keys=False))

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message)


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
            if src.is_file() and not rel.startswith(("metrics/", "plots/", "dvclive/")):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
        (dest / "dvc.lock").unlink(missing_ok=True)
        project = DvcProject(dest)
        project.run("git", "init", "-q", "-b", "main")
        project.commit("copy of the project")
        return project

    return make
