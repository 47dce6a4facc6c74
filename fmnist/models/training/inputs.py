"""The CNN's input pipelines: seeded, augmented training batches that a resumed run continues
exactly, and validation batches as they are."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from fmnist.data.augment import epoch_images
from fmnist.pictures.pixels import to_cnn_input

# Training steps Keras runs per call into the graph: fewer Python round trips per epoch
# (README "Speed"); the numbers are those of one step at a time.
STEPS_PER_EXECUTION = 8


def eval_dataset(
    images: np.ndarray, labels: np.ndarray, batch_size: int, classes: int
) -> tf.data.Dataset:
    """Batches of CNN input and one-hot labels (``classes`` wide), in order, unchanged."""
    one_hot = keras.utils.to_categorical(labels, classes).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((to_cnn_input(images), one_hot))
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def training_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int,
    classes: int,
    flip: bool = False,
    shift: int = 0,
    erase: float = 0.0,
    first_batch: int = 0,
) -> tf.data.Dataset:
    """Endless batches of CNN input and one-hot labels (``classes`` wide): epochs 0, 1, ...

    Each epoch is :func:`~fmnist.data.augment.epoch_images` (``seed``, epoch): reshuffled, with
    random horizontal flips (``flip``), shifts of up to ``shift`` pixels and erased rectangles
    (``erase``, a probability), made by numpy in one call, then batched by tf.data (the last
    batch of an epoch smaller). Batch b is batch ``b % k`` of epoch ``b // k`` (k = batches per
    epoch), so a run resumed at ``first_batch`` gets the same batches as one that never stopped.
    """
    count = len(images)
    start_epoch, skip = divmod(first_batch, batches_per_pass(count, batch_size))

    def arrays(epoch: np.int64) -> tuple[np.ndarray, np.ndarray]:
        x, y = epoch_images(images, labels, seed, int(epoch), flip, shift, erase)
        return x, y.astype(np.int32)

    def one_epoch(epoch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x, y = tf.numpy_function(arrays, [epoch], (tf.as_dtype(images.dtype), tf.int32))
        return tf.reshape(x, (count, *images.shape[1:])), tf.reshape(y, (count,))

    def batches(x: tf.Tensor, y: tf.Tensor) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)

    def to_model_input(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # the same scaling as to_cnn_input, in the graph
        x = tf.cast(x, tf.float32)[..., tf.newaxis] / 255.0
        return x, tf.one_hot(y, classes)

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
