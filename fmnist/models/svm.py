"""The SVM pipeline (features -> PCA -> SVC), built from the ``svm`` params section, and its fit.

The fitted scikit-learn ``Pipeline`` is saved with skops, not pickle
(:func:`fmnist.models.store.save_svm_model`): loading it builds only trusted types.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from fmnist.errors import ParamsError
from fmnist.models.features import feature_transformer
from fmnist.params import SvmParams
from fmnist.pictures.pixels import to_flat

SVC_CACHE_MB = 2000  # kernel cache: the default 200 MB makes the full-data fit ~2x slower


def stratified_subset(labels: np.ndarray, size: int, seed: int, key: str) -> np.ndarray:
    """Sorted indices of a seeded subset of ``size`` items with the label proportions kept.

    ``size`` 0 or ``len(labels)`` means all of them. ``key`` names the param that asked for the
    subset, for the error when ``size`` cannot be honoured.
    """
    if size == 0 or size == len(labels):
        return np.arange(len(labels))
    classes = len(np.unique(labels))
    if not classes <= size < len(labels):
        raise ParamsError(
            f"{key} = {size} is not allowed; expected 0 (all) or from {classes} "
            f"(one image per class) to {len(labels)} (the images there are)"
        )
    keep, _ = train_test_split(
        np.arange(len(labels)), train_size=size, stratify=labels, random_state=seed
    )
    return np.sort(keep)


def build_svm(params: SvmParams) -> Pipeline:
    """features -> [PCA] -> [StandardScaler] -> SVC, on flat pixels in [0, 1]; seeded by svm.seed."""
    seed = params.seed
    steps = [("features", feature_transformer(params.features))]
    if params.pca_components:
        steps.append(("pca", PCA(n_components=params.pca_components, random_state=seed)))
    if params.standardize:
        steps.append(("scale", StandardScaler()))
    svc = SVC(
        kernel=params.kernel,
        C=params.C,
        gamma=params.gamma,
        degree=params.degree,
        cache_size=SVC_CACHE_MB,
        random_state=seed,
    )
    steps.append(("svc", svc))
    return Pipeline(steps)


def fit_svm(
    params: SvmParams, images: np.ndarray, labels: np.ndarray
) -> tuple[Pipeline, dict[str, Any]]:
    """Fit on (a stratified ``svm.train_limit`` subset of) the images; return it and the timing."""
    keep = stratified_subset(labels, params.train_limit, params.seed, "svm.train_limit")
    pipeline = build_svm(params)
    start = time.perf_counter()
    pipeline.fit(to_flat(images[keep]), labels[keep])
    return pipeline, {
        "train_images": len(keep),
        "fit_seconds": round(time.perf_counter() - start, 2),
        "support_vectors": int(pipeline.named_steps["svc"].n_support_.sum()),
    }


def score_svm(pipeline: Pipeline, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Accuracy on the given images, with the seconds and images/s of predicting them all."""
    start = time.perf_counter()
    predicted = pipeline.predict(to_flat(images))
    seconds = time.perf_counter() - start
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "predict_seconds": round(seconds, 2),
        "predict_images_per_second": round(len(labels) / seconds, 1),
    }
