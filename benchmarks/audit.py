"""The audit on the real data: its time for 70,000 images, and what it finds of planted faults.

    python -m benchmarks.audit [--flip 0.02] [--copies 30]

Reads the workspace's split (``data/split``: run ``dvc repro split`` first). First audits it as
it is (the audit stage's work, timed: the counts as in metrics/audit.json). Then plants faults
in a copy: ``--flip`` of the training labels changed to another class, and ``--copies`` test
images copied into train with slight noise (Gaussian, sigma 4 grey levels), and audits again:
prints the recall and precision of the label-issue candidates on the flipped labels (the
flagged training images that were not flipped are counted as false, though some are the
dataset's own errors) and how many of the planted copies the near-duplicate search paired
with their test image. With the CPU, cores, commit and date.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numpy as np

from fmnist.audit.findings import Pool, train_test_pairs
from fmnist.audit.run import audit_pool
from fmnist.data.split_files import SPLITS, load_classes, load_split
from fmnist.models.hardware import detect_hardware
from fmnist.params import load_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flip", type=float, default=0.02)
    parser.add_argument("--copies", type=int, default=30)
    args = parser.parse_args()
    params = load_params("params.yaml").audit
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}; {params}")  # fmt: skip
    arrays = {name: load_split("data/split", name) for name in SPLITS}
    classes = load_classes("data/split")
    start = time.perf_counter()
    audit = audit_pool(Pool.of(arrays, classes), params)
    print(f"as it is: {time.perf_counter() - start:.1f} s; {json.dumps(audit.summary)}")

    rng = np.random.default_rng(0)
    train_x, train_y = (a.copy() for a in arrays["train"])
    test_x, test_y = arrays["test"]
    flipped = rng.choice(len(train_y), int(args.flip * len(train_y)), replace=False)
    train_y = train_y.astype(np.int64)
    train_y[flipped] = (train_y[flipped] + rng.integers(1, len(classes), len(flipped))) % len(classes)
    copied = rng.choice(len(test_y), args.copies, replace=False)
    places = rng.choice(np.setdiff1d(np.arange(len(train_y)), flipped), args.copies, replace=False)
    noise = rng.normal(0, 4, (args.copies, *test_x.shape[1:]))
    train_x[places] = np.clip(np.round(test_x[copied] + noise), 0, 255).astype(np.uint8)
    train_y[places] = test_y[copied]
    planted = {**arrays, "train": (train_x, train_y)}
    start = time.perf_counter()
    audit = audit_pool(Pool.of(planted, classes), params)
    seconds = time.perf_counter() - start
    findings = audit.findings
    issues = findings[(findings["kind"] == "label_issue") & (findings["split"] == "train")]
    flagged = set(issues["index"].astype(int))
    hits = len(flagged & set(flipped.tolist()))
    found = train_test_pairs(findings)
    copies_found = sum((int(p), int(c)) in found for p, c in zip(places, copied, strict=True))
    print(f"planted: {len(flipped)} flipped labels, {args.copies} copies; audit {seconds:.1f} s")
    recall, precision = hits / len(flipped), hits / max(len(flagged), 1)
    print(f"label issues in train: {len(flagged)} flagged, recall {recall:.3f}, "
          f"precision {precision:.3f}; copies found {copies_found}/{args.copies}")  # fmt: skip


if __name__ == "__main__":
    main()
