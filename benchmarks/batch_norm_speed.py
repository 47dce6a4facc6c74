"""Benchmark: a ResNet training step with Keras' BatchNormalization and with the fused layer.

    python benchmarks/batch_norm_speed.py [--steps 100] [--rounds 3] [--width 16] [--blocks 2 2 2]

The ResNet of params.yaml's ``cnn`` section (``cnn.arch`` taken as resnet, ``cnn.precision``
resolved for this machine) is built three ways: with Keras 3's ``layers.BatchNormalization``
(separate float32 ops), with :class:`fmnist.models.cnn.FusedBatchNormalization` (TensorFlow's
fused kernel; what the project trains) and, to show what batch norm costs at all, with no
normalization. Each trains ``--steps`` batches of random images after a warm-up; the kinds
alternate over ``--rounds`` and the median is printed as images/s and s per 54,000-image epoch.
Random inputs: the speed of these ops does not depend on the pixel values. Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from fmnist.models.cnn import FusedBatchNormalization, build_resnet, make_optimizer
from fmnist.models.hardware import detect_hardware, resolve_precision, tensorflow_gpus
from fmnist.models.training import seed_everything
from fmnist.params import load_params


class NoNormalization(layers.BatchNormalization):
    """Batch norm's weights, none of its work: the lower bound of the step time."""

    def call(self, inputs, training=None, mask=None):
        return inputs


KINDS = {
    "Keras BatchNormalization": layers.BatchNormalization,
    "FusedBatchNormalization": FusedBatchNormalization,
    "no normalization": NoNormalization,
}


def images_per_second(params, precision: str, batch_norm, steps: int) -> float:
    seed_everything(0)
    model = build_resnet(params, 10, precision, batch_norm)
    model.compile(
        optimizer=make_optimizer(params, steps_per_epoch=steps),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing),
    )
    rng = np.random.default_rng(0)
    n = params.batch_size * steps
    images = rng.random((n, 28, 28, 1), np.float32)
    labels = keras.utils.to_categorical(rng.integers(0, 10, n), 10)
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(params.batch_size)
    model.fit(data.take(5), verbose=0)  # traces the graph
    start = time.perf_counter()
    model.fit(data, verbose=0)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--steps", type=int, default=100, help="timed batches per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--width", type=int, help="cnn.resnet_width (default: params.yaml's)")
    parser.add_argument("--blocks", type=int, nargs="+", help="cnn.resnet_blocks")
    args = parser.parse_args()
    params = load_params(args.params).cnn
    params = dataclasses.replace(
        params,
        arch="resnet",
        resnet_width=args.width or params.resnet_width,
        resnet_blocks=args.blocks or params.resnet_blocks,
    )
    hardware = detect_hardware(tensorflow_gpus())
    precision = resolve_precision(params.precision, hardware)
    print(f"device: {hardware.device}; {precision}; batch {params.batch_size}")
    print(f"resnet width {params.resnet_width}, blocks {params.resnet_blocks}")
    speeds: dict[str, list[float]] = {name: [] for name in KINDS}
    for round_ in range(1, args.rounds + 1):
        for name, batch_norm in KINDS.items():
            speeds[name].append(images_per_second(params, precision, batch_norm, args.steps))
            print(f"round {round_} {name:<26} {speeds[name][-1]:7.0f} images/s", flush=True)
    print(f"\n{'batch norm':<26} {'images/s':>9} {'s/epoch':>8}")
    for name, values in speeds.items():
        median = statistics.median(values)
        print(f"{name:<26} {median:9.0f} {54_000 / median:8.1f}")


if __name__ == "__main__":
    main()
