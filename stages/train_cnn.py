"""train_cnn stage: train the study's CNN on the train split, validating every epoch.

dvclive's ``DVCLiveCallback`` records per-epoch train/validation loss and accuracy; summary
metrics (best validation accuracy, epochs, seconds) go to the same dvclive metrics file. The
best-validation weights are kept (Keras ``EarlyStopping(restore_best_weights=True)``) and saved
as ``.keras`` with the params and library versions beside it.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from dvclive import Live
from dvclive.keras import DVCLiveCallback

from stages.cnn import build_cnn, make_optimizer
from stages.common import atomic_path, run_stage, write_model_meta
from stages.dataset import NUM_CLASSES, load_split, to_cnn_input
from stages.params import CnnParams, load_params

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Same params + seed -> same numbers on the same machine."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int | None = None,
    flip: bool = False,
    shift: int = 0,
) -> tf.data.Dataset:
    """Batches of CNN input and one-hot labels.

    With a ``seed`` (training): reshuffled every epoch and augmented on the fly by random
    horizontal flips and/or random shifts of up to ``shift`` pixels.
    """
    one_hot = keras.utils.to_categorical(labels, NUM_CLASSES).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((to_cnn_input(images), one_hot))
    if seed is None:
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
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


def train_cnn(
    params: CnnParams,
    seed: int,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, dict[str, Any]]:
    """Fit the CNN; return it (best-validation weights) and a summary of the run."""
    seed_everything(seed)
    model = build_cnn(params)
    train_ds = make_dataset(
        *train, params.batch_size, seed, params.augment_flip, params.augment_shift
    )
    val_ds = make_dataset(*val, params.batch_size)
    model.compile(
        optimizer=make_optimizer(params, steps_per_epoch=len(train_ds)),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing),
        metrics=["accuracy"],
    )
    patience = params.early_stopping_patience or params.epochs  # 0: never stop early
    keep_best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", mode="max", patience=patience, restore_best_weights=True
    )
    start = time.perf_counter()
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=params.epochs,
        callbacks=[keep_best, *callbacks],
        shuffle=False,  # the dataset reshuffles itself each epoch
        verbose=2,
    )
    seconds = time.perf_counter() - start
    val_accuracy = history.history["val_accuracy"]
    epochs_run = len(val_accuracy)
    summary = {
        "best_val_accuracy": float(max(val_accuracy)),
        "best_epoch": int(np.argmax(val_accuracy)) + 1,
        "epochs_run": epochs_run,
        "train_seconds": round(seconds, 2),
        "seconds_per_epoch": round(seconds / epochs_run, 2),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
    }
    return model, summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--model", required=True, help="output .keras file")
    parser.add_argument("--meta", required=True, help="output JSON: params and versions")
    parser.add_argument("--live", required=True, help="dvclive directory")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    cnn, seed = params["cnn"], params["base"].seed
    train, val = load_split(args.split, "train"), load_split(args.split, "val")
    log.info("train %s, val %s, layers %s", train[0].shape, val[0].shape, cnn.layer_filters())

    with Live(args.live, dvcyaml=None, save_dvc_exp=False, report=None) as live:
        model, summary = train_cnn(cnn, seed, train, val, [DVCLiveCallback(live=live)])
        for name, value in summary.items():
            live.log_metric(name, value, plot=False)
    log.info("summary: %s", summary)
    with atomic_path(args.model) as tmp:
        model.save(tmp)
    write_model_meta(args.meta, args.model, {"base": params["base"], "cnn": cnn}, summary)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
