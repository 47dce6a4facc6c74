"""How long ``fmnist data diff`` takes between two 70,000-image versions of the real data.

    python -m benchmarks.data_diff [--repeats 3]

Version 1 is the workspace's split (``data/split``: run ``dvc repro split`` first); version 2
relabels 100 training images, removes 100, moves 100 from validation to train and adds 1,000
(test images with one pixel changed, so new content). Both are committed in a temporary git
repo with the split folder tracked by DVC; then ``fmnist data diff v1 v2 --json`` runs as a
user runs it (a new process: Python, DVC's reads from its cache, hashing, the diff), timed
``--repeats`` times, and its counts are checked against what was changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fmnist.data.split_files import load_split, save_split
from fmnist.dvc_adapter import run_dvc
from fmnist.models.hardware import detect_hardware

FMNIST = Path(sys.executable).parent / "fmnist"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    arrays = {name: load_split("data/split", name) for name in ("train", "val", "test")}
    total = sum(len(labels) for _, labels in arrays.values())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{total} images per version; {detect_hardware().device}; {os.cpu_count()} cores; "
          f"commit {commit.stdout.strip()}; {time.strftime('%Y-%m-%d')}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fmnist-diff-") as tmp:
        repo = Path(tmp)
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
        git("init", "-q")
        git("config", "user.email", "bench@example.com")
        git("config", "user.name", "bench")
        run_dvc(["init", "-q"], cwd=repo)
        split = repo / "data" / "split"
        split.mkdir(parents=True)
        for name, (x, y) in arrays.items():
            save_split(split / f"{name}.npz", x, y)
        run_dvc(["add", "-q", "data/split"], cwd=repo)
        git("add", "-A")
        git("commit", "-qm", "v1")
        git("tag", "v1")

        (train_x, train_y), (val_x, val_y), (test_x, test_y) = arrays.values()
        relabelled = (train_y[:100] + 1) % 10
        added = test_x[:1000].copy()
        added[:, 0, 0] ^= 1  # one pixel changed: new content
        new_train = (
            np.concatenate([train_x[:100], train_x[200:], val_x[:100], added]),
            np.concatenate([relabelled, train_y[200:], val_y[:100], test_y[:1000]]),
        )  # images 100-199 removed, the first 100 of val moved here
        save_split(split / "train.npz", *new_train)
        save_split(split / "val.npz", val_x[100:], val_y[100:])
        run_dvc(["add", "-q", "data/split"], cwd=repo)
        git("commit", "-qam", "v2")
        git("tag", "v2")
        shutil.rmtree(split)  # the diff reads both versions from the DVC cache

        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = subprocess.run([str(FMNIST), "data", "diff", "v1", "v2", "--json"], cwd=repo,
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            seconds.append(time.perf_counter() - start)
        counts = json.loads(out)["counts"]
        command = [str(FMNIST), "data", "diff", "v1", "v2", "--limit", "3"]
        shown = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True).stdout
    print(f"counts: {counts}")
    print(shown)
    print("fmnist data diff v1 v2 --json: " + ", ".join(f"{s:.2f} s" for s in seconds))


if __name__ == "__main__":
    main()
