"""Label-issue candidates: cleanlab's confident learning on out-of-fold predicted probabilities.

The probabilities come from a model that never saw the image it scores: scikit-learn's
``cross_val_predict`` over stratified folds of a fast pipeline (the SVM's pixels + HOG features,
made once per image, -> PCA 80 -> standardised -> multinomial logistic regression). cleanlab's
``find_label_issues`` (filter :data:`LABEL_FILTER`) picks the images whose given label is
likely wrong, ranked by self-confidence (the probability of the given label); the suggested
label is the model's most probable class.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fmnist.errors import DataError
from fmnist.models.features import feature_transformer
from fmnist.pictures.pixels import to_flat

PCA_COMPONENTS = 80
# cleanlab's filter: of its seven, on 4,000 real images with 80 labels flipped (out-of-fold
# accuracy 83%), this one found 97% of the flips with 25% precision (312 flagged); its default
# (prune_by_noise_rate) 84% with 17% (401 flagged). docs/audit.md has the table.
LABEL_FILTER = "low_self_confidence"


def out_of_fold_probabilities(
    images: np.ndarray, labels: np.ndarray, classes: Sequence[str], folds: int, seed: int
) -> np.ndarray:
    """(n, len(classes)) probabilities, each row from the fold model that did not train on it;
    ``classes`` are the class names, in label order."""
    counts = np.bincount(labels, minlength=len(classes))
    if counts.min() < folds:
        small = int(np.argmin(counts))
        raise DataError(
            f"class {classes[small]!r} has {int(counts[small])} image(s), fewer than "
            f"audit.folds = {folds}: lower audit.folds or add images"
        )
    # the features of each image alone, and their PCA, which reads no label: made once for all
    # images, not per fold (5 PCA fits were 17 of the audit's 50 s on 70,000 images); only
    # what learns from labels, the scaling and the classifier, is fitted per fold
    features = feature_transformer("pixels+hog").transform(to_flat(images))
    features = PCA(min(PCA_COMPONENTS, len(labels) // 2), random_state=seed).fit_transform(features)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs' convergence notes: the ranking is what counts
        return cross_val_predict(
            model,
            features,
            labels,
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
            method="predict_proba",
        )


def label_issues(labels: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """The candidates, most likely wrong first: position, self-confidence, suggested label."""
    from cleanlab.filter import find_label_issues

    ranked = find_label_issues(
        labels, probabilities, filter_by=LABEL_FILTER, return_indices_ranked_by="self_confidence"
    )
    return pd.DataFrame(
        {
            "position": ranked,
            "self_confidence": probabilities[ranked, labels[ranked]],
            "suggested": probabilities[ranked].argmax(axis=1),
        }
    )
