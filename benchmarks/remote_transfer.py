"""Push and pull times of the full pipeline's outputs through a real S3 server (SeaweedFS) and
a real SSH server (OpenSSH), both on this machine (127.0.0.1): prints the MB and seconds.

    .venv/bin/python -m benchmarks.remote_transfer [--servers s3 ssh]

Run it from a workspace where `dvc repro` has run (every output of dvc.lock in the cache). For
each server: a clone of this repository gets those outputs from the local cache (hard links),
`make push`'s command sends them (data, models, run-cache), then a second clone with an empty
cache and its own HOME pulls them with `make pull`'s command. Loopback: the numbers are the
client's and server's own costs, not a network's. Needs root or sshd's dedicated user like the
tests (fmnist/testing/servers.py starts the servers).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fmnist.testing.servers import S3Server, SshServer


def run(cwd: Path, home: Path, *args: str) -> float:
    env = {**os.environ, "HOME": str(home), "DVC_NO_ANALYTICS": "1"}
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[-3:])} failed in {cwd}:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def cache_mb(repo: Path) -> float:
    files = (p for p in (repo / ".dvc" / "cache").rglob("*") if p.is_file())
    return sum(p.stat().st_size for p in files) / 1e6


def measure(kind: str, project: Path, scratch: Path) -> str:
    server = S3Server() if kind == "s3" else SshServer()
    try:
        server.start()
        remote = server.remote()
        rows = []
        for name in ("a", "b"):
            clone, home = scratch / f"{kind}-{name}", scratch / f"{kind}-home-{name}"
            (home / ".ssh").mkdir(parents=True)
            if kind == "ssh":
                (home / ".ssh" / "known_hosts").write_text(server.known_hosts())
            subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
            remote.configure(lambda *a, c=clone, h=home: run(c, h, sys.executable, "-m", "dvc", *a))
            rows.append((clone, home))
        (a, home_a), (b, home_b) = rows
        shutil.copytree(project / ".dvc" / "cache", a / ".dvc" / "cache", copy_function=os.link)
        run(a, home_a, sys.executable, "-m", "dvc", "checkout", "-q")
        push = run(a, home_a, sys.executable, "-m", "commands.remote", "push")
        pull = run(b, home_b, sys.executable, "-m", "commands.remote", "pull")
        # what arrived in B's empty cache is what the push sent: the outputs and the run-cache
        return f"{kind}: {cache_mb(b):.1f} MB; make push {push:.1f} s, make pull {pull:.1f} s"
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=["s3", "ssh"], choices=["s3", "ssh"])
    args = parser.parse_args()
    project = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch:
        for kind in args.servers:
            print(measure(kind, project, Path(scratch)), flush=True)


if __name__ == "__main__":
    main()
