"""The SVM pipeline, built from the ``svm`` params section."""

from __future__ import annotations

from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from stages.features import feature_transformer
from stages.params import SvmParams

SVC_CACHE_MB = 2000  # kernel cache: the default 200 MB makes the full-data fit ~2x slower


def build_svm(params: SvmParams, seed: int) -> Pipeline:
    """features -> [PCA] -> [StandardScaler] -> SVC, on flat pixels in [0, 1]."""
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
