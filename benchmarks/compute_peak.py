"""Benchmark: how close an epoch of the study's CNN comes to what this CPU can compute.

    python benchmarks/compute_peak.py [--size 2048] [--seconds-per-epoch S] [--cnn KEY=VALUE ...]

Measures the matrix-multiply rate TensorFlow reaches here (a large square matmul, in bf16 and
in float32, the oneDNN switch decided as in the pipeline), counts the arithmetic of one training
epoch of the committed CNN or of another (``--cnn arch=resnet``): each Conv2D and Dense layer's
multiply-adds, x2 for FLOPs, x3 for the forward pass and the two gradients, validation one
forward pass; and prints the seconds an epoch would take at that rate: the floor that no recipe
of these layers goes under on this machine without fewer images or epochs.
``--seconds-per-epoch`` (default: metrics/cnn_train.json's) is set against it. Measures and
prints; asserts nothing. Run it alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import yaml

from fmnist.models.hardware import (
    detect_hardware,
    onednn_state,
    resolve_precision,
    use_onednn_where_it_helps,
)
from fmnist.params import load_params


def matmul_rate(size: int, dtype: str, repeats: int = 20) -> float:
    """GFLOP/s of ``size`` x ``size`` matmuls in ``dtype``, the best of 3 rounds."""
    import tensorflow as tf

    a = tf.cast(tf.random.stateless_normal((size, size), seed=(1, 2)), dtype)
    b = tf.cast(tf.random.stateless_normal((size, size), seed=(3, 4)), dtype)

    scale = tf.cast(size**-0.5, dtype)

    @tf.function
    def work(a, b):
        # each product feeds the next, so none can be skipped or merged with another
        for _ in range(repeats):
            a = tf.matmul(a, b) * scale
        return tf.reduce_sum(tf.cast(a, tf.float32))

    work(a, b).numpy()  # trace and warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeats / best / 1e9


def forward_macs(model) -> int:
    """Multiply-adds of one image's forward pass through the Conv2D and Dense layers."""
    import keras

    total = 0
    for layer in model.layers:  # both architectures are flat functional models
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * c_out * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return int(total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--train-images", type=int, default=53_975)
    parser.add_argument("--val-images", type=int, default=6_025)
    parser.add_argument("--seconds-per-epoch", type=float, default=None)
    parser.add_argument("--cnn", nargs="*", default=[], metavar="KEY=VALUE", help="cnn params")
    args = parser.parse_args()
    hardware = detect_hardware()
    use_onednn_where_it_helps(hardware)
    from fmnist.models.cnn import build_cnn

    cnn = load_params(args.params).cnn
    overrides = dict(pair.split("=", 1) for pair in args.cnn)
    cnn = dataclasses.replace(cnn, **{k: yaml.safe_load(v) for k, v in overrides.items()})
    precision = resolve_precision(cnn.precision, hardware)
    macs = forward_macs(build_cnn(cnn, 10, "float32"))
    epoch_flop = 2 * macs * (3 * args.train_images + args.val_images)
    seconds = args.seconds_per_epoch
    if seconds is None:
        seconds = json.loads(Path("metrics/cnn_train.json").read_text())["seconds_per_epoch"]
    print(
        f"CPU {hardware.cpu}; bf16 flags: "
        f"{sorted(hardware.cpu_flags & {'avx512_bf16', 'amx_bf16'}) or 'none'}; "
        f"oneDNN: {onednn_state(hardware)}; cnn.precision -> {precision}"
    )
    print(f"cnn overrides: {overrides or 'none'} ({cnn.arch})")
    print(f"forward multiply-adds per image: {macs:,}; one epoch: {epoch_flop / 1e12:.3f} TFLOP")
    print(f"measured epoch: {seconds:.2f} s = {epoch_flop / seconds / 1e9:.0f} GFLOP/s")
    for dtype in ("bfloat16", "float32"):
        rate = matmul_rate(args.size, dtype)
        print(
            f"{dtype:>8} matmul {args.size}x{args.size}: {rate:.0f} GFLOP/s -> an epoch at that "
            f"rate: {epoch_flop / rate / 1e9:.2f} s ({seconds / (epoch_flop / rate / 1e9):.1f}x "
            "under the measured epoch)"
        )


if __name__ == "__main__":
    main()
