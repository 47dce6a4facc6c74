"""Training the CNN: seeded, augmented input pipelines and ``model.fit`` with the params' recipe."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fmnist.data import dataset as dataset_module
from fmnist.data.dataset import NUM_CLASSES, to_cnn_input
from fmnist.models import cnn as cnn_module
from fmnist.models import hardware as hardware_module
from fmnist.models.cnn import build_cnn, make_optimizer, with_flip_average
from fmnist.models.hardware import Hardware, detect_hardware, resolve_precision, tensorflow_gpus
from fmnist.models.resume import KeepBest, StopAfterEpoch, TrainingState, run_fingerprint
from fmnist.params import CnnParams


def seed_everything(seed: int) -> None:
    """Same params + seed -> same numbers on the same machine."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _images_and_one_hot(images: np.ndarray, labels: np.ndarray) -> tf.data.Dataset:
    one_hot = keras.utils.to_categorical(labels, NUM_CLASSES).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices((to_cnn_input(images), one_hot))


def eval_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """Batches of CNN input and one-hot labels, in order, unchanged."""
    return _images_and_one_hot(images, labels).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def training_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int,
    flip: bool = False,
    shift: int = 0,
) -> tf.data.Dataset:
    """Batches reshuffled every epoch, augmented on the fly.

    ``flip``: random horizontal flips; ``shift``: random shifts of up to that many pixels.
    """
    ds = _images_and_one_hot(images, labels)
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    augment = []
    if flip:
        augment.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if shift:
        factor = shift / images.shape[1]
        augment.append(
            keras.layers.RandomTranslation(
                factor, factor, fill_mode="constant", interpolation="nearest", seed=seed
            )
        )
    if augment:
        pipeline = keras.Sequential(augment)
        ds = ds.map(lambda x, y: (pipeline(x, training=True), y))
    return ds.prefetch(tf.data.AUTOTUNE)


def training_fingerprint(
    params: CnnParams,
    seed: int,
    hardware: Hardware,
    data_files: Sequence[str | Path],
    code_files: Sequence[str | Path] = (),
) -> str:
    """What a saved training state must match to be resumed: params, precision, code, data.

    The precision that runs follows from ``cnn.precision`` and whether ``hardware`` computes
    bf16 natively, so those two stand for it (resolving it here would warn a second time).
    """
    settings = {
        "seed": seed,
        "cnn": dataclasses.asdict(params),
        "native_bf16": hardware.native_bf16,
    }
    code = [__file__, cnn_module.__file__, hardware_module.__file__, dataset_module.__file__]
    return run_fingerprint(settings, [*code, *code_files, *data_files])


def train_cnn(
    params: CnnParams,
    seed: int,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    callbacks: Sequence[keras.callbacks.Callback] = (),
    hardware: Hardware | None = None,
    verbose: int = 2,
    state: TrainingState | None = None,
) -> tuple[keras.Model, dict[str, Any]]:
    """Fit the CNN; return it (best-validation weights) and a summary of the run.

    With ``cnn.predict_flip_average`` the returned model averages its predictions on each
    image and its mirror image (:func:`~fmnist.models.cnn.with_flip_average`); training and the
    validation numbers in the summary are those of the plain model.

    ``cnn.precision`` is resolved for ``hardware`` (default: this machine); the summary records
    the precision and the device that ran. With a ``state`` (already opened), every epoch is
    saved there and a run that finds earlier epochs in it resumes after them; ``callbacks``
    (dvclive's) first receive the saved epochs' logs again.
    """
    hardware = hardware or detect_hardware(tensorflow_gpus())
    precision = resolve_precision(params.precision, hardware)
    seed_everything(seed)
    model = build_cnn(params, precision)
    train_ds = training_dataset(
        *train, params.batch_size, seed, params.augment_flip, params.augment_shift
    )
    val_ds = eval_dataset(*val, params.batch_size)
    model.compile(
        optimizer=make_optimizer(params, steps_per_epoch=len(train_ds)),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing),
        metrics=["accuracy"],
    )
    patience = params.early_stopping_patience or params.epochs  # 0: never stop early
    keep_best = KeepBest(
        state,
        replay_into=callbacks,
        monitor="val_accuracy",
        mode="max",
        patience=patience,
        restore_best_weights=True,
    )
    resume = []
    if state is not None:
        # last: the backup of an epoch is written after that epoch's logs and best weights
        resume = [keras.callbacks.BackupAndRestore(str(state.backup_dir)), StopAfterEpoch()]
    model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=params.epochs,
        callbacks=[keep_best, *callbacks, *resume],
        shuffle=False,  # the dataset reshuffles itself each epoch
        verbose=verbose,
    )
    # the whole run's epochs, those of an interrupted earlier part included
    val_accuracy = [logs["val_accuracy"] for logs in keep_best.progress["logs"]]
    seconds = sum(keep_best.progress["seconds"])
    epochs_run = len(val_accuracy)
    summary = {
        "best_val_accuracy": float(max(val_accuracy)),
        "best_epoch": int(np.argmax(val_accuracy)) + 1,
        "epochs_run": epochs_run,
        "train_seconds": round(seconds, 2),
        "seconds_per_epoch": round(seconds / epochs_run, 2),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "precision": precision,
        "device": hardware.device,
    }
    if params.predict_flip_average:
        model = with_flip_average(model)
    return model, summary
