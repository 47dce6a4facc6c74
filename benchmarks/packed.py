"""The folder layout against the packed one at 70,000, 300,000 and 1,000,000 pictures: what DVC,
the split stage and ``fmnist data diff`` cost with each.

    python -m benchmarks.packed [--sizes 70000 300000 1000000] [--layouts folder packed]
                                [--remotes local s3] [--scratch DIR]

For each size and layout, a copy of the project's committed files in a new git repo holds a
synthetic dataset at ``data/own``: Fashion-MNIST's 70,000 images, repeated with a counter written
into two corner pixels so that every picture is a distinct content (none is a real image), 28x28
PNGs in class folders (folder) or ``fmnist data pack`` of them (packed; at sizes where the
folder is not written, packed from the same pixels in memory). ``data.prepare: stretch`` and
``data.invert: no`` keep the pixels as they are, so both layouts split the same images. Timed,
each as a user runs it (a new process): ``dvc add data/own``; ``dvc repro split`` (with its peak
memory); per remote (a local directory, and the S3 test server, SeaweedFS on 127.0.0.1),
``dvc push data/own.dvc`` and a fresh clone's ``dvc pull data/own.dvc``; an update of 1,000 new
pictures (folder: 1,000 PNGs written into the class folders; packed: ``fmnist data add``) and
its ``dvc add`` and ``dvc push``; then ``dvc repro split`` again and ``fmnist data diff HEAD~1
HEAD``. Prints one line per step with the seconds; first the CPU, cores, commit and date.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from benchmarks.own_dataset import copy_project
from fmnist.data.dataset import Dataset
from fmnist.data.idx import read_idx
from fmnist.data.packed import pack
from fmnist.models.hardware import detect_hardware
from fmnist.pictures.prepare import PrepareSpec

BIN = Path(sys.executable).parent
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot")
SPEC = PrepareSpec("stretch", "no")
UPDATE = 1000


def synthetic(count: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` distinct 28x28 pictures: Fashion-MNIST's, with the picture's number (from
    ``start``) written into pixels (0, 0) and (0, 1)."""
    images = np.concatenate(
        [read_idx(DEBIAN_DATA / f"{p}-images-idx3-ubyte.gz") for p in ("train", "t10k")]
    )
    labels = np.concatenate(
        [read_idx(DEBIAN_DATA / f"{p}-labels-idx1-ubyte.gz") for p in ("train", "t10k")]
    )
    number = np.arange(start, start + count)
    out = images[number % len(images)].copy()
    out[:, 0, 0] = number // 256 % 256
    out[:, 0, 1] = number % 256
    out[:, 0, 2] = 255 - number // 65536  # with the two above: distinct up to 16.7 million
    return out, labels[number % len(images)].astype(np.int64)


def write_pngs(folder: Path, images: np.ndarray, labels: np.ndarray, start: int = 0) -> None:
    for n, (image, label) in enumerate(zip(images, labels, strict=True), start=start):
        target = folder / CLASSES[label] / f"{n:07d}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(target, compress_level=1)


class Repo:
    def __init__(self, path: Path, home: Path) -> None:
        self.path, self.home = path, home
        self.env = {
            **os.environ,
            "HOME": str(home),
            "DVC_NO_ANALYTICS": "1",
            "PATH": f"{BIN}:{os.environ['PATH']}",
        }

    def run(self, *args: str) -> tuple[float, float]:
        """Runs ``args`` here; its wall seconds and peak memory in GiB."""
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed in {self.path}:\n{result.stderr[-3000:]}")
        peak = int(result.stderr.strip().splitlines()[-1]) / 2**20  # KiB -> GiB
        return took, peak

    def git(self, *args: str) -> None:
        self.run("git", *args)

    def dvc(self, *args: str) -> tuple[float, float]:
        return self.run(str(BIN / "dvc"), *args)


def remote_url(kind: str, scratch: Path, server) -> tuple[str, dict[str, str]]:
    if kind == "local":
        return str(scratch / "remote"), {}
    bucket = scratch.name.lower().replace("_", "-")  # one bucket per size and layout
    if not server.client().exists(bucket):
        server.client().mkdir(bucket)
    remote = server.remote(bucket=bucket)
    return remote.url, {**remote.public, **remote.secret}


def add_remote(repo: Repo, url: str, settings: dict[str, str]) -> None:
    repo.dvc("remote", "add", "--local", "-f", "-d", "bench", url)
    for key, value in settings.items():
        repo.dvc("remote", "modify", "--local", "--", "bench", key, value)


def measure(size: int, layout: str, remotes: list[str], scratch: Path, servers: dict) -> None:
    def say(step: str, seconds: float, extra: str = "") -> None:
        print(f"{layout:6s} {size:>9,} {step:34s} {seconds:8.1f} s {extra}", flush=True)

    work = scratch / f"{layout}-{size}"
    repo = Repo(work, scratch / f"home-{layout}-{size}")
    repo.home.mkdir(parents=True)
    copy_project(work)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.email", "bench@example.com")
    repo.git("config", "user.name", "bench")
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["data"].update(source=layout, path="data/own", prepare="stretch", invert="no")
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    images, labels = synthetic(size)
    start = time.perf_counter()
    if layout == "folder":
        write_pngs(work / "data" / "own", images, labels)
    else:
        names = np.array([f"{n:07d}.png" for n in range(size)], dtype=object)
        data = Dataset(images, labels, CLASSES, np.full(size, "pool", dtype=object), names)
        pack(data, work / "data" / "own", SPEC)
    del images
    say("write the dataset (not DVC)", time.perf_counter() - start)

    def add_split_commit(after: str, message: str) -> None:
        took, _ = repo.dvc("add", "-q", "data/own")
        say(f"dvc add{after}", took)
        took, peak = repo.dvc("repro", "-q", "split")
        say(f"dvc repro split{after}", took, f"peak {peak:.2f} GiB")
        repo.git("add", "-A")
        repo.git("commit", "-qm", message)

    add_split_commit("", "the dataset")
    for kind in remotes:
        url, settings = remote_url(kind, scratch / f"{layout}-{size}-{kind}", servers.get(kind))
        add_remote(repo, url, settings)
        took, _ = repo.dvc("push", "-q", "data/own.dvc")
        say(f"dvc push ({kind})", took)
        clone = Repo(scratch / f"clone-{layout}-{size}-{kind}", repo.home)
        subprocess.run(["git", "clone", "-q", str(work), str(clone.path)], check=True)
        add_remote(clone, url, settings)
        took, _ = clone.dvc("pull", "-q", "data/own.dvc")
        say(f"fresh clone's dvc pull ({kind})", took)
        shutil.rmtree(clone.path)
    new_images, new_labels = synthetic(UPDATE, start=size)
    if layout == "folder":
        start = time.perf_counter()
        write_pngs(work / "data" / "own", new_images, new_labels, start=size)
        say(f"write {UPDATE:,} pictures (not DVC)", time.perf_counter() - start)
    else:
        more = scratch / f"more-{size}"
        write_pngs(more, new_images, new_labels, start=size)
        took, peak = repo.run(str(BIN / "fmnist"), "data", "add", "data/own", str(more))
        say(f"fmnist data add {UPDATE:,}", took, f"peak {peak:.2f} GiB")
    add_split_commit(f" after {UPDATE:,} added", "1,000 more pictures")
    if "local" in remotes:  # the update's push, to the remote that holds the first version
        add_remote(repo, *remote_url("local", scratch / f"{layout}-{size}-local", None))
        took, _ = repo.dvc("push", "-q", "data/own.dvc")
        say("dvc push of the update (local)", took)
    took, peak = repo.run(str(BIN / "fmnist"), "data", "diff", "HEAD~1", "HEAD", "--json")
    say("fmnist data diff HEAD~1 HEAD", took, f"peak {peak:.2f} GiB")
    shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[70_000, 300_000, 1_000_000])
    parser.add_argument("--layouts", nargs="+", choices=["folder", "packed"], default=None)
    parser.add_argument("--remotes", nargs="+", choices=["local", "s3"], default=["local", "s3"])
    parser.add_argument("--scratch", type=Path, default=None, help="default: a temporary dir")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}")  # fmt: skip
    servers = {}
    if "s3" in args.remotes:
        from fmnist.testing.servers import S3Server

        servers["s3"] = S3Server()
        servers["s3"].start()
    try:
        with tempfile.TemporaryDirectory(prefix="fmnist-packed-", dir=args.scratch) as tmp:
            for size in args.sizes:
                for layout in args.layouts or ["folder", "packed"]:
                    measure(size, layout, args.remotes, Path(tmp), servers)
    finally:
        for server in servers.values():
            server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory of this script (writing the datasets): {peak:.2f} GiB")


if __name__ == "__main__":
    main()
