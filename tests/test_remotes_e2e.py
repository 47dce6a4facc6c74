"""End-to-end: results shared through a real S3 object store (SeaweedFS) and a real SSH server
(OpenSSH), with faults: a wrong credential, a server stopped in the middle of a push, an
unreachable host, an SSH host key that is unknown or changed; and no credential in git.

Clone A runs a small pipeline and an experiment once and pushes them to each server in turn;
for each, a clone B in another directory with its own DVC cache and its own HOME (so nothing
arrives through the committed default remote, a directory under HOME) gets everything from that
server without training.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from fmnist.testing.servers import Remote, S3Server, SshServer, new_key
from tests.helpers import FMNIST, ROOT, TARGET, DvcProject, installed_server

pytestmark = pytest.mark.slow

OUTPUTS = ("data/split/train.npz", "models/cnn.keras", "models/svm.skops", "results/cnn.json")
TRACKED = ("metrics/cnn.json", "metrics/svm.json", "dvc.lock")


@pytest.fixture
def servers():
    """Both servers at once: one small run in clone A is shared through each in turn."""
    started = []
    try:
        for kind in (S3Server, SshServer):
            started.append(installed_server(kind).start())
        yield started
    finally:
        for running in started:
            running.close()


def with_home(project: DvcProject, home: Path, *servers) -> DvcProject:
    """The clone's own HOME: the committed default remote (a directory under HOME) and the SSH
    client's known_hosts are its own; the SSH servers' host keys are pinned there."""
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    pins = [s.known_hosts() for s in servers if isinstance(s, SshServer)]
    (home / ".ssh" / "known_hosts").write_text("".join(pins))
    return project.isolate_home(home)


def clone(origin: Path, path: Path, server, remote: Remote) -> DvcProject:
    project = DvcProject(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(path)], check=True)
    with_home(project, path.parent / f"home-{path.name}", server)
    remote.configure(project.dvc)
    return project


def make(project: DvcProject, action: str) -> subprocess.CompletedProcess:
    """What `make push` / `make pull` run."""
    return project.run(sys.executable, "-m", "commands.remote", action, check=False)


def test_share_through_real_servers_with_faults(servers, baseline_project, tmp_path):
    origin = tmp_path / "origin.git"
    # the shared small run of the whole DAG: `make pull` fetches every output of dvc.lock
    a = with_home(baseline_project("a"), tmp_path / "home-a", *servers)
    baseline = a.fingerprint(OUTPUTS + TRACKED)
    # --temp: in a copy, so the workspace keeps the committed baseline that `make push` sends
    a.dvc("exp", "run", "--temp", "-n", "one-conv", "-S", "cnn.conv_layers=1", TARGET)
    assert a.fingerprint(OUTPUTS + TRACKED) == baseline
    a.push_to_new_origin(origin)
    a.run("gto", "register", "cnn")
    a.run("git", "push", "-q", "origin", "--tags")
    example = str(ROOT / "docs" / "examples")
    ours = a.run(str(FMNIST), "predict", "--rev", "one-conv", "--model", "both", example).stdout

    keys = []
    for server in servers:
        keys += share_and_break(server, a, origin, tmp_path / server.kind, baseline, ours)

    # no credential in anything git holds: tracked files and the pushed experiment
    assert keys
    clones = [a, *(DvcProject(tmp_path / s.kind / "b") for s in servers)]
    for project in clones:
        for name in project.run("git", "ls-files").stdout.split():
            text = (project.path / name).read_bytes().decode(errors="replace")
            assert not any(key in text for key in keys), name
    exps = subprocess.run(
        ["git", "--git-dir", str(origin), "for-each-ref", "--format=%(refname)", "refs/exps"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert exps
    for ref in exps:
        tree = subprocess.run(
            ["git", "--git-dir", str(origin), "archive", ref], capture_output=True, check=True
        ).stdout.decode(errors="replace")
        assert not any(key in tree for key in keys), ref


def share_and_break(
    server, a: DvcProject, origin: Path, root: Path, baseline: dict[str, str], ours: str
) -> list[str]:
    """A's run and experiment through ``server``, with its faults; returns the keys used."""
    remote = server.remote()
    # a wrong credential: DVC's message, then one line naming the remote and the fix
    wrong = (
        server.remote(secret_key=secrets.token_urlsafe(30))
        if isinstance(server, S3Server)
        else server.remote(keyfile=new_key(root / "stranger" / "id_ed25519"))
    )
    wrong.configure(a.dvc)
    refused = make(a, "push")
    assert refused.returncode == 2, refused.stderr
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: remote '{remote.name}' ({remote.url}): dvc push failed")
    assert ".dvc/config.local" in last and "docs/experiments.md#share-across-machines" in last
    assert server.objects() == 0
    remote.configure(a.dvc)

    # the server stopped in the middle of a push: the push fails; restarted, the same push
    # completes the remote
    pushing = subprocess.Popen(
        [sys.executable, "-m", "dvc", "push", "--run-cache"],
        cwd=a.path,
        env=a.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while server.objects() < 3 and pushing.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    server.stop()
    _, stopped_err = pushing.communicate(timeout=600)
    assert pushing.returncode != 0, "the push finished before the server was stopped"
    cut = [line for line in stopped_err.splitlines() if line.startswith("ERROR")]
    print(f"{remote.name}, the push cut: {cut}")
    assert cloud_status_fails_or_differs(a)
    server.start()
    start = time.perf_counter()
    assert make(a, "push").returncode == 0
    a.dvc("exp", "push", "origin", "one-conv")
    print(f"{remote.name}: push completed in {time.perf_counter() - start:.1f} s")
    assert a.cloud_status() == {}

    # clone B: its own HOME and cache; everything from the server, no stage runs
    b = clone(origin, root / "b", server, remote)
    start = time.perf_counter()
    pulled = make(b, "pull")
    assert pulled.returncode == 0, pulled.stderr
    print(f"{remote.name}: clone B pulled in {time.perf_counter() - start:.1f} s")
    assert b.fingerprint(OUTPUTS + TRACKED) == baseline  # every file as A made it
    assert json.loads(b.dvc("status", "--json").stdout) == {}
    assert "Running stage" not in b.dvc("repro").stdout
    assert not (root / "home-b" / ".cache" / "fmnist-dvc").exists()  # not the local remote

    # A's experiment, shown and used in B without training
    b.dvc("exp", "pull", "origin", "one-conv")
    shown = b.experiments()["one-conv"]
    assert shown["params"]["params.yaml"]["data"]["cnn"]["conv_layers"] == 1
    example = str(ROOT / "docs" / "examples")
    theirs = b.run(str(FMNIST), "predict", "--rev", "one-conv", "--model", "both", example)
    assert len(pd.read_csv(io.StringIO(theirs.stdout))) == 4
    assert theirs.stdout == ours  # the experiment's models, fetched from the server
    # the registry: the registered cnn through this remote
    b.dvc("artifacts", "get", ".", "cnn", "-o", "fetched/cnn.keras")
    fetched = hashlib.md5((b.path / "fetched" / "cnn.keras").read_bytes()).hexdigest()
    assert fetched == baseline["models/cnn.keras"]

    # an unreachable host for a pull: one line naming the remote, the workspace as it was
    c = clone(origin, root / "c", server, remote)
    server.stop()
    before = workspace(c)
    failed = make(c, "pull")
    assert failed.returncode == 2
    assert f"remote '{remote.name}'" in failed.stderr.strip().splitlines()[-1]
    assert workspace(c) == before and c.run("git", "status", "--porcelain").stdout == ""
    return remote.secrets() + wrong.secrets()


def workspace(project: DvcProject) -> list[Path]:
    """The workspace's files: what git and DVC keep for themselves (.git, .dvc) left out."""
    return sorted(
        p.relative_to(project.path)
        for p in project.path.rglob("*")
        if not {".git", ".dvc"} & set(p.relative_to(project.path).parts)
    )


def cloud_status_fails_or_differs(project: DvcProject) -> bool:
    """After a cut push the remote is incomplete: `dvc status --cloud` says so, or cannot ask
    (the server is down)."""
    result = project.dvc("status", "--cloud", "--json", check=False)
    return result.returncode != 0 or json.loads(result.stdout or "{}") != {}


def test_an_unknown_or_changed_ssh_host_key_stops_make_push(dvc_project, tmp_path):
    """DVC's SSH client accepts any host key (sshfs passes known_hosts=None to asyncssh), so
    `make push` checks the key with OpenSSH's tools first and refuses before anything moves."""
    ssh, impostor = installed_server(SshServer), installed_server(SshServer)
    try:
        ssh.start()
        impostor.start()
        project = with_home(dvc_project(), tmp_path / "home", ssh)
        remote = ssh.remote()
        remote.configure(project.dvc)
        (project.path / "note.txt").write_text("shared")
        project.dvc("add", "note.txt")
        known_hosts = tmp_path / "home" / ".ssh" / "known_hosts"

        known_hosts.write_text("")
        unknown = make(project, "push")
        assert unknown.returncode == 2
        assert unknown.stderr.strip().splitlines() == [
            f"error: remote '{remote.name}' ({remote.url}): [127.0.0.1]:{ssh.port} is not in "
            f"{known_hosts}, and DVC's SSH client checks no host key; compare `ssh-keyscan -p "
            f"{ssh.port} 127.0.0.1 | ssh-keygen -lf -` with the fingerprint the server's admin "
            f"gives you, then `ssh-keyscan -p {ssh.port} 127.0.0.1 >> {known_hosts}`"
        ]
        # the impostor's key pinned for this address: the real server's key does not match
        known_hosts.write_text(impostor.known_hosts().replace(str(impostor.port), str(ssh.port)))
        changed = make(project, "push")
        assert changed.returncode == 2 and "is not the one" in changed.stderr
        assert ssh.objects() == 0  # nothing was pushed

        known_hosts.write_text(ssh.known_hosts())
        assert make(project, "push").returncode == 0
        assert ssh.objects() == 1
    finally:
        ssh.close()
        impostor.close()
