"""The audit on the real data: its time for 70,000 images, and what it finds of planted faults.

    python -m benchmarks.audit [--flip 0.02] [--copies 30] [--shifted 300] [--model logistic|cnn]

Reads the workspace's split (``data/split``: run ``dvc repro split`` first). First audits it as
it is (the audit stage's work, timed: the counts as in metrics/audit.json). Then plants faults
in a copy and audits again:

- ``--flip`` of the training labels changed to another class;
- ``--copies`` test images copied into train with slight noise (Gaussian, sigma 4 grey levels);
- ``--shifted`` test images copied into train shifted by 1-2 px, with noise of sigma 8 and
  brightness and contrast changed by up to 10% (fmnist.testing.faults.shifted_copy).

Prints, per fault kind, found / planted and the other findings of that kind (the flagged
training images that were not flipped are counted as false, though some are the dataset's own
errors), and each check's seconds. With the CPU, cores, commit and date.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import time

import numpy as np

from fmnist.audit.findings import train_test_pairs
from fmnist.audit.run import audit_pool
from fmnist.audit.table import Pool
from fmnist.data.split_files import SPLITS, load_classes, load_split
from fmnist.models.hardware import detect_hardware
from fmnist.params import load_params
from fmnist.testing.faults import flip_labels, shifted_copy


def found_pairs(findings, kinds) -> set[tuple[int, int]]:
    return train_test_pairs(findings[findings["kind"].isin(kinds)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flip", type=float, default=0.02)
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--shifted", type=int, default=300)
    parser.add_argument("--model", choices=["logistic", "cnn"], default=None)
    parser.add_argument("--skip-as-is", action="store_true", help="only the planted audit")
    args = parser.parse_args()
    params = load_params("params.yaml").audit
    if args.model:
        params = dataclasses.replace(params, model=args.model)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}; {params}")  # fmt: skip
    arrays = {name: load_split("data/split", name) for name in SPLITS}
    classes = load_classes("data/split")
    if not args.skip_as_is:
        start = time.perf_counter()
        audit = audit_pool(Pool.of(arrays, classes), params)
        print(f"as it is: {time.perf_counter() - start:.1f} s; {json.dumps(audit.summary)}")

    rng = np.random.default_rng(0)
    train_x, train_y = (a.copy() for a in arrays["train"])
    test_x, test_y = arrays["test"]
    train_y, flipped = flip_labels(train_y, args.flip, len(classes), rng)
    copied = rng.choice(len(test_y), args.copies + args.shifted, replace=False)
    free = np.setdiff1d(np.arange(len(train_y)), flipped)
    places = rng.choice(free, args.copies + args.shifted, replace=False)
    noise = rng.normal(0, 4, (args.copies, *test_x.shape[1:]))
    near_at = places[: args.copies]
    train_x[near_at] = np.clip(np.round(test_x[copied[: args.copies]] + noise), 0, 255)
    for place, image in zip(places[args.copies :], copied[args.copies :], strict=True):
        train_x[place] = shifted_copy(test_x[image], rng)[0]
    train_y[places] = test_y[copied]
    near = set(zip(near_at.tolist(), copied[: args.copies].tolist(), strict=True))
    shifted = set(zip(places[args.copies :].tolist(), copied[args.copies :].tolist(), strict=True))
    planted = {**arrays, "train": (train_x, train_y)}
    pool = Pool.of(planted, classes)
    start = time.perf_counter()
    audit = audit_pool(pool, params)
    seconds = time.perf_counter() - start
    findings = audit.findings
    print(f"planted: {len(flipped)} flipped labels, {args.copies} noisy copies, {args.shifted} "
          f"shifted copies; audit {seconds:.1f} s; seconds {audit.summary['seconds']}")  # fmt: skip
    issues = findings[(findings["kind"] == "label_issue") & (findings["split"] == "train")]
    flagged = set(issues["index"].astype(int))
    hits = len(flagged & set(flipped.tolist()))
    print(f"label issues ({params.model}, out-of-fold accuracy "
          f"{audit.summary['out_of_fold_accuracy']}): {hits}/{len(flipped)} flipped found, "
          f"{len(flagged) - hits} other training images flagged; recall "
          f"{hits / len(flipped):.3f}, precision {hits / max(len(flagged), 1):.3f}")  # fmt: skip
    plain = found_pairs(findings, ["exact_duplicate", "near_duplicate"])
    moved = found_pairs(findings, ["shifted_duplicate"])
    every = plain | moved
    print(f"noisy copies: {len(near & every)}/{len(near)} found; shifted copies: "
          f"{len(shifted & every)}/{len(shifted)} found ({len(shifted & plain)} by pixel "
          f"distance alone); other shifted-duplicate pairs, any splits: "
          f"{audit.summary['shifted_duplicate_pairs']['total'] - len(shifted & moved)}")  # fmt: skip


if __name__ == "__main__":
    main()
