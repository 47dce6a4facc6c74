"""Scoring both trained models on the same test images: accuracy, speed, and their comparison."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fmnist.evaluation.stats import bootstrap_accuracy, mcnemar, per_class_table, summary_metrics
from fmnist.models.cnn_file import load_cnn_model
from fmnist.models.kinds import MODELS
from fmnist.models.store import load_svm_model
from fmnist.pictures.pixels import to_cnn_input, to_flat

Predictor = Callable[[np.ndarray], np.ndarray]  # uint8 images (n, 28, 28) -> labels (n,)


def load_predictors(
    cnn_path: str | Path, svm_path: str | Path, batch_size: int
) -> dict[str, Predictor]:
    """The CNN and SVM files as predictors of labels from uint8 images."""
    cnn, svm = load_cnn_model(cnn_path), load_svm_model(svm_path)

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
    labels: np.ndarray, predicted: Mapping[str, np.ndarray], samples: int, seed: int
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


@dataclasses.dataclass
class Evaluation:
    """Everything the evaluate stage writes, computed in memory."""

    metrics: dict[str, dict[str, Any]]  # model -> summary, speed, training seconds, 95% CI
    per_class: pd.DataFrame  # model, class, precision, recall, f1, support
    predictions: dict[str, pd.DataFrame]  # model -> index, actual, predicted (class names)
    comparison: dict[str, Any]


def evaluate_models(
    predictors: Mapping[str, Predictor],
    images: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    train_seconds: Mapping[str, float],
    latency_images: int,
    bootstrap_samples: int,
    seed: int,
) -> Evaluation:
    """Score each predictor on the same test images and compare them."""
    predicted, metrics, tables = {}, {}, []
    for name, predict in predictors.items():
        predicted[name], speed = time_predictor(predict, images, latency_images)
        table = per_class_table(labels, predicted[name], classes)
        metrics[name] = {
            **summary_metrics(labels, predicted[name], table),
            **speed,
            "train_seconds": train_seconds[name],
        }
        tables.append(table.assign(model=name))
    comparison, intervals = compare(labels, predicted, bootstrap_samples, seed)
    for name in metrics:
        metrics[name]["accuracy_ci95"] = intervals[name]
    names = np.array(classes, dtype=object)
    return Evaluation(
        metrics=metrics,
        per_class=pd.concat(tables)[["model", "class", "precision", "recall", "f1", "support"]],
        predictions={
            name: pd.DataFrame(
                {"index": np.arange(len(labels)), "actual": names[labels], "predicted": names[p]}
            )
            for name, p in predicted.items()
        },
        comparison=comparison,
    )
