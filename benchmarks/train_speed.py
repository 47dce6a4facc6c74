"""Benchmark: the study's CNN trained the plain Keras way and through this project, in one run.

    python benchmarks/train_speed.py [--split data/split] [--epochs 3] [--rounds 2]

(a) plain: what a user writes after keras.io's MNIST convnet example: the same layers,
    ``model.fit`` on numpy float32 arrays, float32, batch 128, Adam, validating every epoch;
(b) project: ``fmnist.models.training.train_cnn`` with params.yaml's recipe (augmentation,
    label smoothing, cosine schedule, ``cnn.precision`` resolved for this machine).
They alternate (a, b, a, b, ...) on the same split; s/epoch is the median over the epochs after
each run's first (which traces the graph). Then inference: throughput in batches of 1,024 and
single-image latency, in float32 and bf16. Run `dvc repro split` first. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import keras
import numpy as np

from fmnist.data.dataset import IMAGE_SHAPE, NUM_CLASSES, load_split, to_cnn_input
from fmnist.models.cnn import build_cnn
from fmnist.models.hardware import detect_hardware, resolve_precision, tensorflow_gpus
from fmnist.models.training import seed_everything, train_cnn
from fmnist.params import load_params


class EpochTimer(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def plain_keras(train, val, epochs: int, seed: int) -> list[float]:
    """The keras.io way: Sequential model, numpy arrays straight into fit."""
    seed_everything(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(*IMAGE_SHAPE, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = to_cnn_input(train[0]), keras.utils.to_categorical(train[1], NUM_CLASSES)
    x_val, y_val = to_cnn_input(val[0]), keras.utils.to_categorical(val[1], NUM_CLASSES)
    timer = EpochTimer()
    model.fit(
        x,
        y,
        batch_size=128,
        epochs=epochs,
        validation_data=(x_val, y_val),
        callbacks=[timer],
        verbose=0,
    )
    return timer.seconds


def project(params, train, val, epochs: int, seed: int) -> list[float]:
    timer = EpochTimer()
    train_cnn(dataclasses.replace(params, epochs=epochs), seed, train, val, [timer], verbose=0)
    return timer.seconds


def inference(images: np.ndarray, params, precision: str) -> tuple[float, float]:
    """Images/s in batches of 1,024 and the median single-image latency in ms."""
    model = build_cnn(params, precision)
    x = to_cnn_input(images)
    model.predict(x[:1024], batch_size=1024, verbose=0)
    start = time.perf_counter()
    model.predict(x, batch_size=1024, verbose=0)
    throughput = len(x) / (time.perf_counter() - start)
    model(x[:1], training=False)
    latencies = []
    for image in x[:200]:
        start = time.perf_counter()
        model(image[np.newaxis], training=False)
        latencies.append((time.perf_counter() - start) * 1000)
    return throughput, statistics.median(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="data/split")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--epochs", type=int, default=3, help="per run (the first is not timed)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    params = load_params(args.params)
    hardware = detect_hardware(tensorflow_gpus())
    precision = resolve_precision(params.cnn.precision, hardware)
    print(f"device: {hardware.device}")
    print(f"bf16 flags: {sorted(hardware.cpu_flags & {'avx512_bf16', 'amx_bf16'}) or 'none'}")
    print(f"cnn.precision = {params.cnn.precision} -> {precision}")
    train, val = load_split(args.split, "train"), load_split(args.split, "val")
    test, _ = load_split(args.split, "test")

    runs: dict[str, list[float]] = {"plain Keras": [], "project": []}
    for round_ in range(1, args.rounds + 1):
        for name in runs:
            if name == "plain Keras":
                seconds = plain_keras(train, val, args.epochs, params.cnn.seed)
            else:
                seconds = project(params.cnn, train, val, args.epochs, params.cnn.seed)
            runs[name] += seconds[1:]
            print(
                f"round {round_} {name:<12} s/epoch: {', '.join(f'{s:.2f}' for s in seconds)}",
                flush=True,
            )
    print(f"\n{'training':<14} {'s/epoch':>8} {'images/s':>9}")
    median = {name: statistics.median(seconds) for name, seconds in runs.items()}
    for name, seconds in median.items():
        print(f"{name:<14} {seconds:8.2f} {len(train[1]) / seconds:9.0f}")
    print(
        f"speed-up of the project over plain Keras: {median['plain Keras'] / median['project']:.2f}x"
    )

    print(f"\n{'inference':<16} {'images/s':>9} {'latency ms':>11}")
    for name in ("float32", "mixed_bfloat16"):
        throughput, latency = inference(test, params.cnn, name)
        print(f"{name:<16} {throughput:9.0f} {latency:11.2f}")


if __name__ == "__main__":
    main()
