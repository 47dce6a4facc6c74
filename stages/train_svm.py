"""train_svm stage: fit the SVM pipeline (features -> PCA -> SVC) on the train split.

Records fit seconds, validation accuracy and prediction throughput beside the model, in the
record ``--meta`` (the publish stage copies them to metrics/svm_train.json).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from fmnist.data.split_files import load_classes, load_prepared, load_split
from fmnist.files import atomic_path
from fmnist.models.store import save_svm_model
from fmnist.models.svm import fit_svm, score_svm
from fmnist.params import load_params
from fmnist.provenance import write_model_meta
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--model", required=True, help="output skops file")
    parser.add_argument("--meta", required=True, help="output JSON: params and versions")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    train, val = load_split(args.split, "train"), load_split(args.split, "val")
    classes = load_classes(args.split)

    pipeline, fit = fit_svm(params.svm, *train)
    val_score = score_svm(pipeline, *val)
    summary = {
        **fit,
        "val_accuracy": val_score["accuracy"],
        "val_predict_seconds": val_score["predict_seconds"],
        "predict_images_per_second": val_score["predict_images_per_second"],
    }
    log.info("summary: %s", summary)
    with atomic_path(args.model) as tmp:
        save_svm_model(pipeline, tmp)
    prepared = load_prepared(args.split)
    write_model_meta(args.meta, args.model, classes, prepared, {"svm": params.svm}, summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
