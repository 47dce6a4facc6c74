"""The audit on the real data: its time for 70,000 images, and what it finds of planted faults.

    python -m benchmarks.audit [--flip 0.02] [--copies 30] [--shifted 300] [--foreign 50]
                               [--model logistic|cnn] [--datalab] [--skip-as-is] [--seed 0]

Reads the workspace's split (``data/split``: run ``dvc repro split`` first). First audits it as
it is (the audit stage's work, timed: the counts as in metrics/audit.json). Then plants faults
in a copy and audits again:

- ``--flip`` of the training labels changed to another class;
- ``--copies`` test images copied into train with slight noise (Gaussian, sigma 4 grey levels);
- ``--shifted`` test images copied into train shifted by 1-2 px, with noise of sigma 8 and
  brightness and contrast changed by up to 10% (fmnist.testing.faults.shifted_copy);
- ``--foreign`` training images replaced by images of no class (near-blank, noise, digits,
  photograph patches: fmnist.testing.faults.foreign_images), to be among the first
  OUTLIERS_SHOWN outliers.

``--seed`` seeds what is planted where (the audit's own seed is ``audit.seed``).

Prints, per fault kind, found / planted and the other findings of that kind (the flagged
training images that were not flipped are counted as false, though some are the dataset's own
errors), and each check's seconds. ``--datalab`` runs cleanlab Datalab's own near-duplicate
and outlier checks on the same planted data, on the audit's features (pixels + HOG in PCA 80),
the anchor, side by side. With the CPU, cores, commit and date.
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
from fmnist.testing.faults import flip_labels, foreign_images, shifted_copy

OUTLIERS_SHOWN = 100  # the issue's target: 50 foreign images in the top 100 of 70,000


def found_pairs(findings, kinds) -> set[tuple[int, int]]:
    return train_test_pairs(findings[findings["kind"].isin(kinds)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flip", type=float, default=0.02)
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--shifted", type=int, default=300)
    parser.add_argument("--foreign", type=int, default=50)
    parser.add_argument("--model", choices=["logistic", "cnn"], default=None)
    parser.add_argument("--cnn-epochs", type=int, default=None)
    parser.add_argument("--datalab", action="store_true")
    parser.add_argument("--skip-as-is", action="store_true", help="only the planted audit")
    parser.add_argument("--seed", type=int, default=0, help="of the planting")
    args = parser.parse_args()
    params = load_params("params.yaml").audit
    if args.model:
        params = dataclasses.replace(params, model=args.model)
    if args.cnn_epochs:
        params = dataclasses.replace(params, cnn_epochs=args.cnn_epochs)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}; {params}")  # fmt: skip
    arrays = {name: load_split("data/split", name) for name in SPLITS}
    classes = load_classes("data/split")
    if not args.skip_as_is:
        start = time.perf_counter()
        audit = audit_pool(Pool.of(arrays, classes), params)
        print(f"as it is: {time.perf_counter() - start:.1f} s; {json.dumps(audit.summary)}")

    rng = np.random.default_rng(args.seed)
    train_x, train_y = (a.copy() for a in arrays["train"])
    test_x, test_y = arrays["test"]
    train_y, flipped = flip_labels(train_y, args.flip, len(classes), rng)
    copied = rng.choice(len(test_y), args.copies + args.shifted, replace=False)
    free = np.setdiff1d(np.arange(len(train_y)), flipped)
    chosen = rng.choice(free, args.copies + args.shifted + args.foreign, replace=False)
    places, strangers = chosen[: len(copied)], chosen[len(copied) :]
    train_x[strangers], foreign_kinds = foreign_images(args.foreign, rng)
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
          f"shifted copies, {args.foreign} foreign images; audit {seconds:.1f} s; "
          f"seconds {audit.summary['seconds']}")  # fmt: skip
    issues = findings[(findings["kind"] == "label_issue") & (findings["split"] == "train")]
    flagged = set(issues["index"].astype(int))
    hits = len(flagged & set(flipped.tolist()))
    print(f"label issues ({params.model}, out-of-fold accuracy "
          f"{audit.summary['out_of_fold_accuracy']}): {hits}/{len(flipped)} flipped found, "
          f"{len(flagged) - hits} other training images flagged; recall "
          f"{hits / len(flipped):.3f}, precision {hits / max(len(flagged), 1):.3f}")  # fmt: skip
    # a reviewer going down the ranking (findings.csv's order): the shortest top that holds 90%
    # of the flips, and its precision
    is_flip = np.isin(issues["index"].to_numpy(), flipped)
    reach = np.flatnonzero(np.cumsum(is_flip) >= 0.9 * len(flipped))
    if reach.size:
        top = int(reach[0]) + 1
        print(f"  down the ranking: 90% of the flips in its first {top} training images, "
              f"precision {is_flip[:top].mean():.3f}")  # fmt: skip
    plain = found_pairs(findings, ["exact_duplicate", "near_duplicate"])
    moved = found_pairs(findings, ["shifted_duplicate"])
    every = plain | moved
    print(f"noisy copies: {len(near & every)}/{len(near)} found; shifted copies: "
          f"{len(shifted & every)}/{len(shifted)} found ({len(shifted & plain)} by pixel "
          f"distance alone); other shifted-duplicate pairs, any splits: "
          f"{audit.summary['shifted_duplicate_pairs']['total'] - len(shifted & moved)}")  # fmt: skip
    outliers = findings[(findings["kind"] == "outlier")].head(OUTLIERS_SHOWN)
    first = set(outliers.query("split == 'train'")["index"].astype(int))
    missed = [k for k, at in zip(foreign_kinds, strangers, strict=True) if at not in first]
    copies = len(first & set(places.tolist()))
    data = len(outliers) - len(first & set(strangers.tolist())) - copies
    print(f"foreign images: {args.foreign - len(missed)}/{args.foreign} among the first "
          f"{len(outliers)} outliers, missed {missed}; besides them {copies} planted copies "
          f"(noise of sigma 4 or 8) and {data} images of the data")  # fmt: skip
    if args.datalab:
        offset = int(np.flatnonzero(pool.splits == "test")[0])
        datalab(pool, params, near, shifted, strangers, offset)


def datalab(pool, params, near, shifted, strangers, test_offset) -> None:
    """cleanlab Datalab's near-duplicate and outlier checks on the audit's features, scored as
    the audit is: copies found (as pairs), foreign images among its OUTLIERS_SHOWN lowest
    outlier scores and among those it marks as outliers."""
    from cleanlab import Datalab

    from fmnist.audit.checks import Context

    start = time.perf_counter()
    features = Context(pool, params).features
    lab = Datalab(data={"label": pool.labels}, label_name="label", verbosity=0)
    lab.find_issues(features=features, issue_types={"near_duplicate": {}, "outlier": {}})
    took = time.perf_counter() - start
    duplicates = lab.get_issues("near_duplicate")
    pairs = set()
    for a, row in duplicates[duplicates["is_near_duplicate_issue"]].iterrows():
        pairs |= {(min(a, int(b)), max(a, int(b))) for b in row["near_duplicate_sets"]}
    as_pool = {(train, test_offset + test) for train, test in near | shifted}  # train first
    near_pool = {(train, test_offset + test) for train, test in near}
    outliers = lab.get_issues("outlier")
    lowest = set(np.argsort(outliers["outlier_score"].to_numpy(), kind="stable")[:OUTLIERS_SHOWN])
    marked = set(np.flatnonzero(outliers["is_outlier_issue"].to_numpy()))
    print(f"Datalab on the audit's features ({took:.1f} s with the features): noisy copies "
          f"{len(near_pool & pairs)}/{len(near)}, shifted copies "
          f"{len((as_pool - near_pool) & pairs)}/{len(shifted)}, other pairs "
          f"{len(pairs - as_pool)}; foreign images {len(lowest & set(strangers.tolist()))}/"
          f"{len(strangers)} among its {OUTLIERS_SHOWN} lowest outlier scores, "
          f"{len(marked & set(strangers.tolist()))} among the {len(marked)} it marks")  # fmt: skip


if __name__ == "__main__":
    main()
