"""evaluate stage: score both trained models on the test set and compare them.

Writes, for each model, ``<out>/<model>.json`` (accuracy, macro-F1, weakest class, speed,
training seconds, bootstrap interval), per-class precision/recall/F1 in ``<out>/per_class.csv``,
one row per test image (actual, predicted) in ``<predictions>/<model>.csv`` for dvc's
``confusion`` template, and McNemar's test plus bootstrap intervals in ``<out>/compare.json``.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from stages.common import atomic_path, read_json, run_stage, write_json
from stages.dataset import CLASS_NAMES, MODELS, load_split, to_cnn_input, to_flat
from stages.errors import DataError
from stages.params import load_params
from stages.stats import bootstrap_accuracy, mcnemar, per_class_table, summary_metrics

log = logging.getLogger(__name__)
Predictor = Callable[[np.ndarray], np.ndarray]  # uint8 images (n, 28, 28) -> labels (n,)


def load_predictors(cnn_path: str, svm_path: str, batch_size: int) -> dict[str, Predictor]:
    import keras  # imported here: importing this module (e.g. in tests) stays cheap

    for path in (cnn_path, svm_path):
        if not Path(path).exists():
            raise DataError(f"{path}: file not found (run `dvc repro` to train it)")
    cnn = keras.models.load_model(cnn_path)
    svm = joblib.load(svm_path)  # pickle: only ever this project's own model file

    def predict_cnn(images: np.ndarray) -> np.ndarray:
        x = to_cnn_input(images)
        if len(x) <= batch_size:  # a direct call: what serving one request costs
            return np.argmax(cnn(x, training=False).numpy(), axis=1)
        return np.argmax(cnn.predict(x, batch_size=batch_size, verbose=0), axis=1)

    def predict_svm(images: np.ndarray) -> np.ndarray:
        return svm.predict(to_flat(images))

    return {"cnn": predict_cnn, "svm": predict_svm}


def time_predictor(
    predict: Predictor, images: np.ndarray, latency_images: int
) -> tuple[np.ndarray, dict[str, float]]:
    """Predictions for all ``images`` with the throughput, and single-image latencies."""
    predict(images[:2])  # warm-up: graph tracing, lazy imports
    start = time.perf_counter()
    predicted = predict(images)
    seconds = time.perf_counter() - start
    latencies = []
    for image in images[:latency_images]:
        start = time.perf_counter()
        predict(image[np.newaxis])
        latencies.append(time.perf_counter() - start)
    latency_ms = np.array(latencies) * 1000
    speed = {
        "throughput_images_per_s": round(len(images) / seconds, 1),
        "latency_ms_p50": round(float(np.percentile(latency_ms, 50)), 3),
        "latency_ms_p95": round(float(np.percentile(latency_ms, 95)), 3),
    }
    return predicted, speed


def compare(
    labels: np.ndarray, predicted: dict[str, np.ndarray], samples: int, seed: int
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """CNN vs SVM on the same images: McNemar's test and paired bootstrap intervals.

    Returns the comparison and each model's own 95% accuracy interval.
    """
    correct = {name: predicted[name] == labels for name in MODELS}
    test = mcnemar(correct["cnn"], correct["svm"])
    intervals = bootstrap_accuracy(correct["cnn"], correct["svm"], samples, seed)
    return {
        "accuracy_difference": float(correct["cnn"].mean() - correct["svm"].mean()),
        "accuracy_difference_ci95": intervals["difference"],
        "mcnemar": {
            "cnn_right_svm_wrong": test["only_a_correct"],
            "svm_right_cnn_wrong": test["only_b_correct"],
            "method": test["method"],
            "statistic": test["statistic"],
            "p_value": test["p_value"],
        },
        "bootstrap_samples": samples,
    }, {"cnn": intervals["a"], "svm": intervals["b"]}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True)
    parser.add_argument("--cnn-model", required=True)
    parser.add_argument("--cnn-train-metrics", required=True, help="dvclive metrics.json")
    parser.add_argument("--svm-model", required=True)
    parser.add_argument("--svm-train-metrics", required=True)
    parser.add_argument("--out", required=True, help="directory for the metrics files")
    parser.add_argument("--predictions", required=True, help="directory for per-image CSVs")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    evaluate, seed = params["evaluate"], params["base"].seed
    train_seconds = {
        "cnn": read_json(args.cnn_train_metrics)["train_seconds"],
        "svm": read_json(args.svm_train_metrics)["fit_seconds"],
    }
    images, labels = load_split(args.split, "test")
    predictors = load_predictors(args.cnn_model, args.svm_model, evaluate.batch_size)

    predicted, metrics, tables = {}, {}, []
    for name, predict in predictors.items():
        predicted[name], speed = time_predictor(predict, images, evaluate.latency_images)
        metrics[name] = {
            **summary_metrics(labels, predicted[name]),
            **speed,
            "train_seconds": train_seconds[name],
        }
        tables.append(per_class_table(labels, predicted[name]).assign(model=name))
        log.info("%s: %s", name, metrics[name])
    comparison, intervals = compare(labels, predicted, evaluate.bootstrap_samples, seed)
    log.info("compare: %s", comparison)

    out = Path(args.out)
    with atomic_path(args.predictions) as tmp:
        tmp.mkdir()
        for name in MODELS:
            pd.DataFrame(
                {
                    "index": np.arange(len(labels)),
                    "actual": np.array(CLASS_NAMES)[labels],
                    "predicted": np.array(CLASS_NAMES)[predicted[name]],
                }
            ).to_csv(tmp / f"{name}.csv", index=False)
    with atomic_path(out / "per_class.csv") as tmp:
        table = pd.concat(tables)[["model", "class", "precision", "recall", "f1", "support"]]
        table.round(4).to_csv(tmp, index=False)
    for name in MODELS:
        write_json(out / f"{name}.json", {**metrics[name], "accuracy_ci95": intervals[name]})
    write_json(out / "compare.json", comparison)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
