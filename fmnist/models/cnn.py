"""The study's CNN and its optimizer, built from the ``cnn`` params section."""

from __future__ import annotations

import keras
from keras import layers

from fmnist.data.dataset import IMAGE_SHAPE, NUM_CLASSES
from fmnist.params import CnnParams


def layer_filters(params: CnnParams) -> list[int]:
    """Filters per conv layer: ``cnn.filters`` as listed, or doubled per layer from one number."""
    if isinstance(params.filters, list):
        return list(params.filters)
    return [params.filters * 2**i for i in range(params.conv_layers)]


def build_cnn(params: CnnParams, precision: str = "float32") -> keras.Model:
    """Per layer conv(f_i, k x k, relu) -> maxpool 2; flatten -> dense -> dropout -> softmax.

    With the defaults (2 layers, 32/64 filters, 3x3, dense 128, dropout 0.2) this is the study's
    model: 225,034 trainable parameters. ``precision`` is a Keras dtype policy for every layer
    ("float32" or "mixed_bfloat16"); the softmax always computes in float32, so the outputs and
    the loss stay float32.
    """
    inputs = keras.Input(shape=(*IMAGE_SHAPE, 1), name="image")
    x = inputs
    for i, filters in enumerate(layer_filters(params), start=1):
        x = layers.Conv2D(
            filters, params.kernel_size, activation="relu", name=f"conv{i}", dtype=precision
        )(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}", dtype=precision)(x)
    x = layers.Flatten(name="flatten", dtype=precision)(x)
    x = layers.Dense(params.dense_units, activation="relu", name="dense", dtype=precision)(x)
    x = layers.Dropout(params.dropout, name="dropout", dtype=precision)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{params.conv_layers}conv")


def make_optimizer(params: CnnParams, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = params.learning_rate
    if params.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(
            params.learning_rate, decay_steps=params.epochs * steps_per_epoch
        )
    optimizers = {
        "adam": keras.optimizers.Adam,
        "sgd": lambda learning_rate: keras.optimizers.SGD(learning_rate, momentum=0.9),
        "rmsprop": keras.optimizers.RMSprop,
    }
    return optimizers[params.optimizer](learning_rate=learning_rate)
