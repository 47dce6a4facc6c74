"""Training the CNN: seeded, augmented input pipelines and ``model.fit`` with the params' recipe."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fmnist.data import augment as augment_module
from fmnist.data import dataset as dataset_module
from fmnist.data.augment import epoch_images
from fmnist.data.dataset import NUM_CLASSES, to_cnn_input
from fmnist.models import cnn as cnn_module
from fmnist.models import hardware as hardware_module
from fmnist.models.cnn import build_cnn, make_optimizer, with_flip_average
from fmnist.models.hardware import (
    Hardware,
    detect_hardware,
    onednn_state,
    resolve_precision,
    tensorflow_gpus,
)
from fmnist.models.resume import KeepBest, StopAfterEpoch, TrainingState, run_fingerprint
from fmnist.params import CnnParams

# Training steps Keras runs per call into the graph: fewer Python round trips per epoch
# (README "Speed"); the numbers are those of one step at a time.
STEPS_PER_EXECUTION = 8


def seed_everything(seed: int) -> None:
    """Same params + seed -> same numbers on the same machine."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def eval_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """Batches of CNN input and one-hot labels, in order, unchanged."""
    one_hot = keras.utils.to_categorical(labels, NUM_CLASSES).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((to_cnn_input(images), one_hot))
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def training_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int,
    flip: bool = False,
    shift: int = 0,
    first_batch: int = 0,
) -> tf.data.Dataset:
    """Endless batches of CNN input and one-hot labels: epoch 0, epoch 1, ... of the data.

    Each epoch is :func:`~fmnist.data.augment.epoch_images` (``seed``, epoch): reshuffled, with
    random horizontal flips (``flip``) and shifts of up to ``shift`` pixels, made by numpy in
    one call, then batched by tf.data (the last batch of an epoch smaller). Batch b is batch
    ``b % k`` of epoch ``b // k`` (k = batches per epoch), so a run resumed at ``first_batch``
    gets the same batches as one that never stopped.
    """
    count = len(images)
    start_epoch, skip = divmod(first_batch, batches_per_pass(count, batch_size))

    def arrays(epoch: np.int64) -> tuple[np.ndarray, np.ndarray]:
        x, y = epoch_images(images, labels, seed, int(epoch), flip, shift)
        return x, y.astype(np.int32)

    def one_epoch(epoch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x, y = tf.numpy_function(arrays, [epoch], (tf.as_dtype(images.dtype), tf.int32))
        return tf.reshape(x, (count, *images.shape[1:])), tf.reshape(y, (count,))

    def batches(x: tf.Tensor, y: tf.Tensor) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)

    def to_model_input(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # the same scaling as to_cnn_input, in the graph
        x = tf.cast(x, tf.float32)[..., tf.newaxis] / 255.0
        return x, tf.one_hot(y, NUM_CLASSES)

    # the next epoch's arrays are made while the current one trains (prefetch(1))
    epochs = tf.data.Dataset.counter(start_epoch).map(one_epoch).prefetch(1)
    return epochs.flat_map(batches).skip(skip).map(to_model_input).prefetch(2)


def batches_per_pass(images: int, batch_size: int) -> int:
    """Batches in one pass over ``images`` images, the last one smaller."""
    return -(-images // batch_size)


def steps_per_epoch(train_images: int, batch_size: int) -> int:
    """Batches per Keras epoch: one pass over the data, rounded up to a whole number of
    executions of :data:`STEPS_PER_EXECUTION` steps (Keras runs that many per call, and the
    endless stream keeps its place across epochs, so an epoch ends on a whole execution)."""
    batches = batches_per_pass(train_images, batch_size)
    return -(-batches // STEPS_PER_EXECUTION) * STEPS_PER_EXECUTION


class SwapInAverage(keras.callbacks.SwapEMAWeights):
    """Keras' ``SwapEMAWeights(swap_on_epoch=True)``: from each epoch's validation to the start
    of the next, the model holds the moving average of its weights (``cnn.ema_momentum``), so
    the best-validation weights kept, backed up and saved are the average's.

    ``resumed``: training continues from a backup, written while the average was swapped in.
    """

    def __init__(self, resumed: bool) -> None:
        super().__init__(swap_on_epoch=True)
        self._ema_weights_in_model = resumed


class EpochSeeds(keras.callbacks.Callback):
    """Reseeds every random layer (dropout) at each epoch from (seed, epoch, layer).

    The draws of epoch k then do not depend on the epochs run before it in this process, so a
    resumed run's dropout masks equal an uninterrupted run's.
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch, logs=None):
        generators = [
            layer.seed_generator
            for layer in self.model._flatten_layers()
            if isinstance(getattr(layer, "seed_generator", None), keras.random.SeedGenerator)
        ]
        for index, generator in enumerate(generators):
            (value,) = np.random.SeedSequence([self.seed, epoch, index]).generate_state(1)
            generator.state.assign(np.array([value, 0], dtype=generator.state.dtype))


def training_fingerprint(
    params: CnnParams,
    seed: int,
    hardware: Hardware,
    data_files: Sequence[str | Path],
    code_files: Sequence[str | Path] = (),
) -> str:
    """What a saved training state must match to be resumed: params, kernels, code, data.

    The precision that runs follows from ``cnn.precision`` and whether ``hardware`` computes
    bf16 natively, so those two stand for it (resolving it here would warn a second time);
    oneDNN's kernels round differently from TensorFlow's own, so their state counts too.
    """
    settings = {
        "seed": seed,
        "cnn": dataclasses.asdict(params),
        "native_bf16": hardware.native_bf16,
        "onednn": onednn_state(hardware),
    }
    code = [
        __file__,
        cnn_module.__file__,
        hardware_module.__file__,
        dataset_module.__file__,
        augment_module.__file__,
    ]
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
    the precision, the device and whether oneDNN's CPU kernels ran. With a ``state`` (already
    opened), every epoch is saved there and a run that finds earlier epochs in it resumes after
    them, exactly as if it had not stopped; ``callbacks`` (dvclive's) first receive the saved
    epochs' logs again.
    """
    hardware = hardware or detect_hardware(tensorflow_gpus())
    precision = resolve_precision(params.precision, hardware)
    seed_everything(seed)
    model = build_cnn(params, precision)
    steps = steps_per_epoch(len(train[0]), params.batch_size)
    first_epoch = state.epochs_done() if state is not None else 0
    train_ds = training_dataset(
        *train,
        params.batch_size,
        seed,
        params.augment_flip,
        params.augment_shift,
        first_batch=first_epoch * steps,
    )
    val_ds = eval_dataset(*val, params.batch_size)
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
