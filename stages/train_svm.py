"""train_svm stage: fit the SVM pipeline (features -> PCA -> SVC) on the train split.

Records fit seconds, validation accuracy and prediction throughput. The fitted scikit-learn
``Pipeline`` is saved with joblib (pickle): load it only from a source you trust.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from typing import Any

import joblib
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from stages.common import atomic_path, run_stage, write_json, write_model_meta
from stages.dataset import load_split, to_flat
from stages.errors import ParamsError
from stages.params import SvmParams, load_params
from stages.svm import build_svm

log = logging.getLogger(__name__)


def limit_training_set(
    images: np.ndarray, labels: np.ndarray, limit: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """A stratified, seeded subset of ``limit`` images (0 or >= len: all of them)."""
    if limit == 0 or limit >= len(labels):
        return images, labels
    if limit < len(np.unique(labels)):
        raise ParamsError(
            f"params.yaml: svm.train_limit = {limit} is not allowed; "
            "expected at least one image per class"
        )
    keep, _ = train_test_split(
        np.arange(len(labels)), train_size=limit, stratify=labels, random_state=seed
    )
    keep = np.sort(keep)
    return images[keep], labels[keep]


def train_svm(
    params: SvmParams,
    seed: int,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
) -> tuple[Pipeline, dict[str, Any]]:
    """Fit the pipeline on ``train``; return it and fit/validation measurements."""
    images, labels = limit_training_set(*train, params.train_limit, seed)
    pipeline = build_svm(params, seed)
    start = time.perf_counter()
    pipeline.fit(to_flat(images), labels)
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    predicted = pipeline.predict(to_flat(val[0]))
    predict_seconds = time.perf_counter() - start
    summary = {
        "train_images": len(labels),
        "fit_seconds": round(fit_seconds, 2),
        "val_accuracy": float(np.mean(predicted == val[1])),
        "val_predict_seconds": round(predict_seconds, 2),
        "predict_images_per_second": round(len(val[1]) / predict_seconds, 1),
        "support_vectors": int(pipeline.named_steps["svc"].n_support_.sum()),
    }
    return pipeline, summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--model", required=True, help="output joblib file")
    parser.add_argument("--meta", required=True, help="output JSON: params and versions")
    parser.add_argument("--metrics", required=True, help="output JSON: fit measurements")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    svm, seed = params["svm"], params["base"].seed
    train, val = load_split(args.split, "train"), load_split(args.split, "val")

    pipeline, summary = train_svm(svm, seed, train, val)
    log.info("summary: %s", summary)
    with atomic_path(args.model) as tmp:
        joblib.dump(pipeline, tmp)
    write_model_meta(args.meta, args.model, {"base": params["base"], "svm": svm}, summary)
    write_json(args.metrics, summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
