"""Out-of-fold predicted probabilities: each image scored by a model that never saw it.

``audit.model`` chooses the model, fitted once per fold of ``audit.folds`` stratified folds:

- ``logistic`` (fast): the SVM's pixels + HOG features, made once per image, -> PCA
  (:data:`PCA_COMPONENTS`, fitted once on all images: it reads no label) -> standardised ->
  multinomial logistic regression;
- ``cnn``: the project's LeNet-style CNN trained per fold by the project's own training code
  (:func:`fmnist.models.training.train_cnn`) with :func:`fold_cnn_params`' recipe for
  ``audit.cnn_epochs`` epochs, predicting with the mirror average.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fmnist.errors import DataError
from fmnist.models.features import feature_transformer
from fmnist.params import AuditParams
from fmnist.pictures.pixels import to_cnn_input, to_flat

if TYPE_CHECKING:
    from fmnist.audit.checks.base import Context
    from fmnist.params import CnnParams

log = logging.getLogger(__name__)

PCA_COMPONENTS = 80
FOLD_VALIDATION = 0.05  # of each fold's training images, held out for its best epoch


def image_features(images: np.ndarray, seed: int) -> np.ndarray:
    """Pixels + HOG of each image (the SVM's features) in PCA_COMPONENTS components."""
    features = feature_transformer("pixels+hog").transform(to_flat(images))
    components = min(PCA_COMPONENTS, len(images) // 2, features.shape[1])
    return PCA(components, random_state=seed).fit_transform(features)


def folds_of(labels: np.ndarray, classes: Sequence[str], params: AuditParams) -> StratifiedKFold:
    """``audit.folds`` stratified folds; one line naming a class with fewer images than folds."""
    counts = np.bincount(labels, minlength=len(classes))
    if counts.min() < params.folds:
        small = int(np.argmin(counts))
        raise DataError(
            f"class {classes[small]!r} has {int(counts[small])} image(s), fewer than "
            f"audit.folds = {params.folds}: lower audit.folds or add images"
        )
    return StratifiedKFold(params.folds, shuffle=True, random_state=params.seed)


def out_of_fold_probabilities(context: Context) -> np.ndarray:
    """(images, classes) probabilities in the pool's order, each row from the fold model that
    did not train on that image."""
    pool, params = context.pool, context.params
    folds = folds_of(pool.labels, pool.classes, params)
    if params.model == "cnn":
        return cnn_probabilities(pool.images, pool.labels, len(pool.classes), folds, params)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs' convergence notes: the ranking is what counts
        return cross_val_predict(
            model, context.features, pool.labels, cv=folds, method="predict_proba"
        )


def fold_cnn_params(epochs: int) -> CnnParams:
    """The fold CNN's recipe: the study's LeNet (conv 32 and 64, 3x3, dense 128, dropout 0.2)
    with the project's training (Adam, a 1-epoch warm-up then cosine decay, flips and 1-pixel
    shifts, the mirror average at prediction), no label smoothing (cleanlab reads the
    probabilities), for ``epochs`` epochs."""
    from fmnist.params import CnnParams

    return CnnParams(
        seed=0, arch="lenet", conv_layers=2, filters=32, kernel_size=3, dense_units=128,
        resnet_width=16, resnet_blocks=[2, 2, 2], dropout=0.2, optimizer="adam",
        learning_rate=0.004, weight_decay=0, lr_schedule="cosine",
        warmup_epochs=min(1, epochs - 1), ema_momentum=0, batch_size=128, epochs=epochs,
        early_stopping_patience=0, augment_flip=True, augment_shift=1, augment_erase=0,
        label_smoothing=0, predict_flip_average=True, precision="auto",
    )  # fmt: skip


def cnn_probabilities(
    images: np.ndarray,
    labels: np.ndarray,
    classes: int,
    folds: StratifiedKFold,
    params: AuditParams,
) -> np.ndarray:
    from fmnist.models.hardware import detect_hardware, use_onednn_where_it_helps

    use_onednn_where_it_helps(detect_hardware())  # before TensorFlow is imported
    from fmnist.models.training import train_cnn

    recipe = fold_cnn_params(params.cnn_epochs)
    probabilities = np.zeros((len(labels), classes), np.float32)
    rng = np.random.default_rng(params.seed)
    for fold, (train, held_out) in enumerate(folds.split(images, labels)):
        train = rng.permutation(train)
        cut = int(len(train) * FOLD_VALIDATION)
        model, summary = train_cnn(
            recipe,
            params.seed + fold,
            (images[train[cut:]], labels[train[cut:]]),
            (images[train[:cut]], labels[train[:cut]]),
            classes,
            verbose=0,
        )
        log.info("audit: fold %d CNN: %s", fold + 1, summary)
        probabilities[held_out] = model.predict(
            to_cnn_input(images[held_out]), batch_size=1024, verbose=0
        )
    return probabilities
