"""audit stage: every check of fmnist/audit/checks over the split's data.

Over all images of train, validation and test together, each registered check (exact, near and
shifted duplicates within and across splits, label-issue candidates from out-of-fold
probabilities, outliers) and class balance; and, from the split's ``excluded.npz``, the images
the split left out (empty once prepared, or one content under two labels), one row each. Writes
the findings table, the counts (which publish copies to metrics/audit.json), a gallery of each
single-image kind and one of the train-test pairs that ``dvc plots show`` shows, and the
out-of-fold probabilities (``probabilities.npz``) that ``fmnist review`` shows; see
docs/audit.md."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.audit.checks import CHECKS
from fmnist.audit.findings import closest_pairs_gallery, count_key, image_gallery
from fmnist.audit.run import audit_pool
from fmnist.audit.table import Pool, excluded_rows
from fmnist.data.split_files import EXCLUSIONS, SPLITS, load_classes, load_excluded, load_split
from fmnist.files import atomic_path, write_json
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--out", required=True, help="directory for the findings and galleries")
    args = parser.parse_args(argv)
    params = load_params(args.params).audit
    classes = load_classes(args.split)
    pool = Pool.of({name: load_split(args.split, name) for name in SPLITS}, classes)
    audit = audit_pool(pool, params)
    excluded = excluded_rows(*load_excluded(args.split), classes)
    findings = pd.concat([audit.findings, excluded], ignore_index=True)
    found = excluded["kind"].value_counts()
    summary = audit.summary | {"excluded": {kind: int(found.get(kind, 0)) for kind in EXCLUSIONS}}
    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        findings.to_csv(Path(tmp) / "findings.csv", index=False)
        write_json(Path(tmp) / "counts.json", summary)
        # the out-of-fold probabilities, in the pool's order (train, val, test): fmnist review
        np.savez_compressed(
            Path(tmp) / "probabilities.npz", probabilities=audit.probabilities.astype(np.float32)
        )
        for check in CHECKS.values():
            if not check.pairs:  # label_issues.png, outliers.png
                image_gallery(findings, pool, check, params.gallery_size).savefig(
                    Path(tmp) / f"{count_key(check)}.png", dpi=100
                )
        closest_pairs_gallery(findings, pool, params.gallery_size, CHECKS).savefig(
            Path(tmp) / "train_test_pairs.png", dpi=100
        )
    log.info("audit: %s", summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
