"""What the tests share: synthetic data, params with overrides, a temp DVC project driver."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
import yaml

from fmnist.data.dataset import Dataset
from fmnist.params import Params, parse_params
from fmnist.testing.servers import ServerUnavailable, free_ports

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
FMNIST = Path(sys.executable).parent / "fmnist"  # the console script pyproject.toml declares
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")
# What the slow tests' runs and experiments reproduce, with its dependencies: train, evaluate
# and publish (the metrics, curves and predictions they compare), not export and plot, which
# the pipeline test covers.
TARGET = "publish"


def synthetic_images(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """28x28 uint8 images whose class is visible: a bright bar whose row depends on the label."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label : 4 + 2 * label, 4:24] = 220
    return images


def balanced_labels(per_class: int, seed: int = 0, classes: int = 10) -> np.ndarray:
    """``per_class`` labels of each of ``classes`` classes, shuffled."""
    labels = np.repeat(np.arange(classes, dtype=np.uint8), per_class)
    return np.random.default_rng(seed).permutation(labels)


def raw_params(path: Path = ROOT / "params.yaml", **changes: dict[str, Any]) -> dict[str, Any]:
    """The parsed params file with ``section={key: value}`` changes applied (unvalidated)."""
    params = yaml.safe_load(path.read_text())
    for section, values in changes.items():
        params[section].update(values)
    return params


def project_params(**changes: dict[str, Any]) -> Params:
    """The project's params.yaml with changes applied, validated: ``params.cnn`` etc."""
    return parse_params(raw_params(**changes))


def read_data(source: str, path: Path, classes: Sequence[str] = (), **data: Any) -> Dataset:
    """The checked dataset of ``data.source`` at ``path``, as the split stage reads it before
    its corrections and exclusions; ``data`` sets other data keys (prepare, invert)."""
    from fmnist.data.dataset import check_dataset
    from fmnist.data.sources import read_dataset

    values = {"source": source, "path": str(path), "classes": list(classes), **data}
    return check_dataset(read_dataset(project_params(data=values).data), str(path))


def split_args(params: Path, folder: Path) -> list[str]:
    """The split stage's arguments: ``params``, and its outputs in ``folder``: split/ (the
    arrays), data.json (the counts), excluded.csv (the images left out)."""
    return [
        "--params", str(params), "--out", str(folder / "split"),
        "--metrics", str(folder / "data.json"), "--excluded", str(folder / "excluded.csv"),
    ]  # fmt: skip


def write_params(path: Path, source: Path, /, **changes: dict[str, Any]) -> Path:
    """Write the params of ``source`` with changes applied to ``path``; return ``path``."""
    params = raw_params(source, **changes)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def small_run(train_limit: int, epochs: int, dpi: int = 50) -> dict[str, dict[str, Any]]:
    """Params changes for a quick run on the real data: Debian's files only (no network), a
    stratified subset of the training images, a few epochs (a one-epoch run has no warm-up:
    cnn.warmup_epochs must be less than cnn.epochs), a cheap evaluation."""
    return {
        "download": {"sources": [str(DEBIAN_DATA)]},
        "split": {"train_limit": train_limit},
        "cnn": {"epochs": epochs, **({"warmup_epochs": 0} if epochs == 1 else {})},
        "evaluate": {"latency_images": 10, "bootstrap_samples": 200},
        "plot": {"dpi": dpi},
    }


# The slow tests' shared run: one small run of the whole DAG on the real data, made once per test
# session (tests/conftest.py: baseline_run), which each test clones with its cache and run-cache.
# 2 epochs: the curves have a line to draw; dropout 0.2: the report test's grid holds this point.
BASELINE = small_run(train_limit=1000, epochs=2, dpi=100)
BASELINE["cnn"]["dropout"] = 0.2


def unavailable(what: str, fix: str) -> None:
    """Skip a test that needs ``what`` here; in CI, where .ci/run installs it, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} missing in CI: .ci/run must {fix}")
    pytest.skip(f"{what} missing: {fix}")


def installed_server(kind: Callable[[], T]) -> T:
    """A server of ``kind`` (not started yet); skip here, fail in CI, if it is not installed."""
    try:
        return kind()
    except ServerUnavailable as exc:
        unavailable(exc.what, exc.fix)


def require_real_data() -> None:
    """Skip without Debian's dataset-fashion-mnist, except in CI, where it must be installed."""
    if not DEBIAN_DATA.is_dir():
        unavailable(str(DEBIAN_DATA), "apt-get install dataset-fashion-mnist")


def git_dvc_repo(path: Path) -> Path:
    """``path`` as a git repo with a committer and DVC initialised (no commit yet)."""
    from fmnist.dvc_adapter import run_dvc

    for command in (
        ["git", "init", "-q"],
        ["git", "config", "user.email", "test@example.com"],
        ["git", "config", "user.name", "test"],
    ):
        subprocess.run(command, cwd=path, check=True)
    run_dvc(["init", "-q"], cwd=path)
    return path


def copy_project(dest: Path) -> DvcProject:
    """A temp git repo holding this project's committed (and untracked) source files, without
    results (they are made by the runs) and without dvc.lock."""
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


def clone_baseline(baseline: Path, dest: Path) -> DvcProject:
    """A git clone of the shared baseline run with its DVC cache and run-cache (hard links: DVC
    never writes into a cache file) and its outputs checked out; no git remote."""
    subprocess.run(["git", "clone", "-q", str(baseline), str(dest)], check=True)
    project = DvcProject(dest)
    project.run("git", "remote", "remove", "origin")
    shutil.copytree(baseline / ".dvc" / "cache", dest / ".dvc" / "cache", copy_function=os.link)
    project.dvc("checkout", "-q")
    return project


class DvcProject:
    """A copy of this project in a git repo, driven through the real dvc CLI."""

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

    def set_params(self, **changes: dict[str, Any]) -> None:
        path = self.path / "params.yaml"
        write_params(path, path, **changes)

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message)

    def isolate_home(self, home: Path) -> DvcProject:
        """A HOME of this clone's own: the committed default remote (a directory under HOME),
        DVC's site config and the SSH client's known_hosts are then its own."""
        home.mkdir(parents=True, exist_ok=True)
        self.env["HOME"] = str(home)
        return self

    def push_to_new_origin(self, origin: Path) -> None:
        """Make ``origin`` a bare git repo, add it as remote ``origin`` and push main there."""
        self.run("git", "init", "-q", "--bare", "-b", "main", str(origin))
        self.run("git", "remote", "add", "origin", str(origin))
        self.run("git", "push", "-q", "origin", "main")

    def fingerprint(self, paths: Sequence[str]) -> dict[str, str]:
        """The MD5 of each file: outputs and git-tracked summaries compared byte for byte."""
        return {p: hashlib.md5((self.path / p).read_bytes()).hexdigest() for p in paths}

    def cloud_status(self, *args: str) -> dict[str, Any]:
        """`dvc status --cloud --json`: what the remote lacks (or has that this clone lacks)."""
        return json.loads(self.dvc("status", "--cloud", "--json", *args).stdout)

    def commit_baseline(self, **changes: dict[str, Any]) -> str:
        """Apply params changes, run the pipeline and commit it all: the experiments' baseline.
        Returns what `dvc repro` printed."""
        self.set_params(**changes)
        printed = self.dvc("repro").stdout
        self.commit("baseline")
        return printed

    def wait_for_queue(self, timeout_s: float = 600) -> str:
        """Poll `dvc queue status` until nothing is queued or running; return the last status."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.dvc("queue", "status").stdout
            if not any(state in status for state in ("Queued", "Running")):
                return status
            time.sleep(3)
        raise AssertionError(f"queue still busy after {timeout_s} s:\n{status}")

    def experiments(self) -> dict[str, dict[str, Any]]:
        """Experiments by name from `dvc exp show --json`: their params and metrics files."""
        rows = {}
        for baseline in json.loads(self.dvc("exp", "show", "--json").stdout):
            for exp in baseline.get("experiments") or []:
                for rev in exp["revs"]:
                    rows[rev["name"]] = rev["data"]
        return rows


class PostgresServer:
    """A real PostgreSQL server from Debian's package, in a temporary directory, listening on
    127.0.0.1 and a free port only; ``url`` is its SQLAlchemy URL. As root, the server runs as
    the ``postgres`` user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            unavailable("PostgreSQL", "apt-get install postgresql")
        self.bin = found[-1].parent
        # its own directory under /tmp: pytest's tmp_path is private to root, and the server
        # runs as the postgres user
        self.directory = Path(tempfile.mkdtemp(prefix="fmnist-postgres-"))
        self.data = self.directory / "pgdata"
        [self.port] = free_ports(1)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        self.url = f"postgresql://{self.user}@127.0.0.1:{self.port}/search"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        if self.as_user:
            shutil.chown(self.directory, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        log = str(self.directory / "server.log")  # not our pipes: the server outlives pg_ctl
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "search",
        )
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
