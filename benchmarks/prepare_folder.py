"""How long the split stage takes to prepare a 70,000-picture folder dataset.

    python -m benchmarks.prepare_folder [--side 28] [--format png] [--repeats 2]
        [--prepare fashion-mnist fit stretch]

Writes the 70,000 real Fashion-MNIST images (Debian's files) as picture files into
``train/<class>/`` and ``test/<class>/`` of a temporary folder (not timed), each enlarged to
``--side`` pixels and made a dark item on white like a product photo when ``--side`` > 28. Then
times, ``--repeats`` times for each ``--prepare`` (alternated), what the split stage does with
it: read and prepare every picture (:func:`fmnist.data.sources.folder.read_folder`, the same
preparation as ``fmnist predict``), check it and draw each image's split
(:func:`fmnist.data.split.assign_splits`). Prints the seconds, the pictures per second, and the
CPU, cores, commit and date they came from.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.idx import read_idx
from fmnist.data.sources.folder import read_folder
from fmnist.data.split import assign_splits
from fmnist.models.hardware import detect_hardware
from fmnist.pictures.prepare import PREPARATIONS, PrepareSpec

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


def write_folder(root: Path, side: int, suffix: str) -> int:
    count = 0
    for origin, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(DEBIAN / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(DEBIAN / f"{prefix}-labels-idx1-ubyte.gz")
        for name in FASHION_MNIST_CLASSES:
            (root / origin / name.replace("/", "-")).mkdir(parents=True)
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            picture = Image.fromarray(image)
            if side != 28:
                picture = Image.fromarray(255 - image).resize((side, side), Image.Resampling.BICUBIC)
            folder = root / origin / FASHION_MNIST_CLASSES[label].replace("/", "-")
            picture.save(folder / f"{i:05d}.{suffix}")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=28, help="picture side in pixels")
    parser.add_argument("--format", default="png", help="file format: png, jpg, webp, ...")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--prepare", nargs="+", choices=tuple(PREPARATIONS), default=["fashion-mnist"]
    )
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fmnist-prepare-") as tmp:
        start = time.perf_counter()
        count = write_folder(Path(tmp), args.side, args.format)
        print(f"wrote {count} {args.side}x{args.side} .{args.format} pictures in "
              f"{time.perf_counter() - start:.1f} s (not part of the timing)")  # fmt: skip
        for _, how in ((r, how) for r in range(args.repeats) for how in args.prepare):
            start = time.perf_counter()
            data = read_folder(Path(tmp), PrepareSpec(how))
            read = time.perf_counter() - start
            split = assign_splits(data, 0.1, 0.15, 0, 42)
            total = time.perf_counter() - start
            counts = {name: int((split == name).sum()) for name in ("train", "val", "test")}
            print(f"{how}: prepared {len(data)} pictures, {len(data.classes)} classes, {counts}: "
                  f"{total:.1f} s ({read:.1f} s reading and preparing), "
                  f"{len(data) / total:.0f} pictures/s")  # fmt: skip
            assert np.array_equal(np.bincount(data.labels), [7000] * 10)


if __name__ == "__main__":
    main()
