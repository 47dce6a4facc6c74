"""publish stage: copy the small summary results into git-tracked files under metrics/.

The expensive stages (train_cnn, train_svm, evaluate) keep every output in the DVC cache: that
is what lets DVC restore them from its run-cache instead of running them again (it skips the
run-cache for any stage with an uncached output). Their small summaries are copied here into
files that git tracks, so any revision's metrics and curves can be read from git history alone,
with no DVC remote: `dvc metrics diff`, `dvc plots diff` and the gate work on a fresh clone.
``environment.json`` records the environment each model was made in (the lock's digest and
every package's version), which the CI report compares with the baseline's.
dvclive counts steps from 0; the copied curves get an ``epoch`` column counted from 1, the x
axis of the Vega plots as of plots/curves.png. This stage costs about a second, so re-running
it instead of restoring it costs nothing.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from fmnist.files import atomic_path, read_json, require_file, write_json
from fmnist.models.kinds import MODELS
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def with_epochs(curve: pd.DataFrame) -> pd.DataFrame:
    """A dvclive curve (``step`` from 0) with ``epoch`` (from 1) first: the x of the Vega plots,
    as in plots/curves.png."""
    return curve.assign(epoch=curve["step"] + 1)[["epoch", *curve.columns]]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cnn-live", required=True, help="the CNN's dvclive directory")
    parser.add_argument("--cnn-meta", required=True, help="the CNN's model record (JSON)")
    parser.add_argument("--svm-meta", required=True, help="the SVM's model record (JSON)")
    parser.add_argument("--results", required=True, help="the evaluate stage's directory")
    parser.add_argument("--audit", required=True, help="the audit stage's counts (JSON)")
    parser.add_argument("--out", required=True, help="git-tracked directory to publish into")
    args = parser.parse_args(argv)
    live, results, out = Path(args.cnn_live), Path(args.results), Path(args.out)

    copies = {
        **{results / f"{name}.json": out / f"{name}.json" for name in (*MODELS, "compare")},
        results / "per_class.csv": out / "per_class.csv",
        live / "metrics.json": out / "cnn_train.json",
        Path(args.audit): out / "audit.json",
    }
    # check every input first: a missing one writes nothing
    for source in copies:
        stage = "train_cnn" if source.is_relative_to(live) else "evaluate"
        require_file(source, "audit" if source == Path(args.audit) else stage)
    curves = require_file(live / "plots" / "metrics", "train_cnn")
    svm_meta = read_json(args.svm_meta, "train_svm")
    # the environment each model was made in (restored from the run-cache, it may be another's)
    environments = {
        "cnn": read_json(args.cnn_meta, "train_cnn").get("environment"),
        "svm": svm_meta.get("environment"),
    }

    for source, target in copies.items():
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    with atomic_path(out / "cnn_curves") as tmp:
        for source in sorted(curves.rglob("*.tsv")):
            target = tmp / source.relative_to(curves)
            target.parent.mkdir(parents=True, exist_ok=True)
            with_epochs(pd.read_csv(source, sep="\t")).to_csv(target, sep="\t", index=False)
    write_json(out / "svm_train.json", svm_meta["summary"])
    write_json(out / "environment.json", environments)
    log.info("published %d files and the CNN curves into %s", len(copies) + 2, out)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
