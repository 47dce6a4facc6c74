"""Training the CNN: ``model.fit`` with the params' recipe, the best-validation weights kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fmnist.models.cnn import build_cnn, make_optimizer, with_flip_average
from fmnist.models.hardware import (
    Hardware,
    detect_hardware,
    onednn_state,
    resolve_precision,
    tensorflow_gpus,
)
from fmnist.models.resume import KeepBest, StopAfterEpoch, TrainingState
from fmnist.models.training.callbacks import EpochSeeds, SwapInAverage
from fmnist.models.training.inputs import (
    STEPS_PER_EXECUTION,
    eval_dataset,
    steps_per_epoch,
    training_dataset,
)
from fmnist.params import CnnParams


def seed_everything(seed: int) -> None:
    """Same params + seed -> same numbers on the same machine."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def train_cnn(
    params: CnnParams,
    seed: int,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    classes: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    hardware: Hardware | None = None,
    verbose: int = 2,
    state: TrainingState | None = None,
) -> tuple[keras.Model, dict[str, Any]]:
    """Fit the CNN for ``classes`` classes; return it (best-validation weights) and a summary.

    With ``cnn.predict_flip_average`` the returned model averages its predictions on each
    image and its mirror image (:func:`~fmnist.models.cnn.with_flip_average`); training and the
    validation numbers in the summary are those of the plain model.

    ``cnn.precision`` is resolved for ``hardware`` (default: this machine); the summary records
    the precision, the device and whether oneDNN's CPU kernels ran. With a ``state`` (already
    opened), every epoch is saved there and a run that finds earlier epochs in it resumes after
    them, exactly as if it had not stopped; ``callbacks`` (dvclive's) first receive the saved
    epochs' logs again.
    """
    hardware = hardware or detect_hardware(tensorflow_gpus())
    precision = resolve_precision(params.precision, hardware)
    seed_everything(seed)
    model = build_cnn(params, classes, precision)
    steps = steps_per_epoch(len(train[0]), params.batch_size)
    first_epoch = state.epochs_done() if state is not None else 0
    train_ds = training_dataset(
        *train,
        params.batch_size,
        seed,
        classes,
        params.augment_flip,
        params.augment_shift,
        params.augment_erase,
        first_batch=first_epoch * steps,
    )
    val_ds = eval_dataset(*val, params.batch_size, classes)
    model.compile(
        optimizer=make_optimizer(params, steps_per_epoch=steps),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing),
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
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
    average = [SwapInAverage(resumed=first_epoch > 0)] if params.ema_momentum else []
    resume = []
    if state is not None:
        # last: the backup of an epoch is written after that epoch's logs and best weights
        resume = [keras.callbacks.BackupAndRestore(str(state.backup_dir)), StopAfterEpoch()]
    model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=params.epochs,
        steps_per_epoch=steps,
        shuffle=False,  # the dataset reshuffles itself each epoch
        callbacks=[EpochSeeds(seed), *average, keep_best, *callbacks, *resume],
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
        "onednn": onednn_state(hardware),
    }
    if params.predict_flip_average:
        model = with_flip_average(model)
    return model, summary
