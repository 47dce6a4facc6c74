"""evaluate stage: score both trained models on the test set and compare them.

Writes, for each model, ``<out>/<model>.json`` (accuracy, macro-F1, weakest class, speed,
training seconds, bootstrap interval), per-class precision/recall/F1 in ``<out>/per_class.csv``,
one row per test image (actual, predicted) in ``<predictions>/<model>.csv`` for dvc's
``confusion`` template, and McNemar's test plus bootstrap intervals in ``<out>/compare.json``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from fmnist.data.split_files import load_classes, load_split
from fmnist.evaluation.scoring import Evaluation, evaluate_models, load_predictors
from fmnist.files import atomic_path, read_json, write_json
from fmnist.models.hardware import detect_hardware, use_onednn_where_it_helps
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def write_evaluation(evaluation: Evaluation, out: Path, predictions: Path) -> None:
    with atomic_path(predictions) as tmp:
        tmp.mkdir()
        for name, frame in evaluation.predictions.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
    with atomic_path(out / "per_class.csv") as tmp:
        evaluation.per_class.round(4).to_csv(tmp, index=False)
    for name, metrics in evaluation.metrics.items():
        write_json(out / f"{name}.json", metrics)
    write_json(out / "compare.json", evaluation.comparison)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True)
    parser.add_argument("--cnn-model", required=True)
    parser.add_argument("--cnn-meta", required=True, help="the CNN's record (JSON)")
    parser.add_argument("--svm-model", required=True)
    parser.add_argument("--svm-meta", required=True, help="the SVM's record (JSON)")
    parser.add_argument("--out", required=True, help="directory for the metrics files")
    parser.add_argument("--predictions", required=True, help="directory for per-image CSVs")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    train_seconds = {
        "cnn": read_json(args.cnn_meta, "train_cnn")["summary"]["train_seconds"],
        "svm": read_json(args.svm_meta, "train_svm")["summary"]["fit_seconds"],
    }
    images, labels = load_split(args.split, "test")
    classes = load_classes(args.split)
    use_onednn_where_it_helps(detect_hardware())  # before load_predictors imports TensorFlow
    predictors = load_predictors(args.cnn_model, args.svm_model, params.evaluate.batch_size)

    evaluation = evaluate_models(
        predictors,
        images,
        labels,
        classes,
        train_seconds,
        params.evaluate.latency_images,
        params.evaluate.bootstrap_samples,
        params.base.seed,
    )
    for name, metrics in evaluation.metrics.items():
        log.info("%s: %s", name, metrics)
    log.info("compare: %s", evaluation.comparison)
    write_evaluation(evaluation, Path(args.out), Path(args.predictions))


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
