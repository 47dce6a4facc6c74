"""Accuracy of the trained models on people's kinds of pictures, made from real test images.

    python -m benchmarks.picture_families [--images 1000] [--families ...]

Writes each family of :mod:`fmnist.testing.pictures` (the first N test images as picture files: plain,
enlarged photos, the item small in a larger picture, tinted and textured backgrounds, 16-bit,
JPEG quality 50, noise) to a temporary folder, reads them exactly as ``fmnist predict`` does
(:func:`fmnist.inference.inputs.read_items`) and prints each family's top-1 accuracy for the
workspace's CNN and SVM, and its distance from the plain images. Also the preprocessing's
own speed: images/s for reading and preparing the plain PNGs and the photo PNGs.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.data.idx import read_idx
from fmnist.inference.inputs import read_items
from fmnist.models.cnn_file import load_cnn_model
from fmnist.models.hardware import detect_hardware
from fmnist.models.store import load_svm_model
from fmnist.pictures.pixels import to_cnn_input, to_flat
from fmnist.pictures.prepare import PrepareSpec
from fmnist.stage_runner import quiet_tensorflow_logs
from fmnist.testing.pictures import FAMILIES, build_family

TEST_IMAGES = "data/raw/t10k-images-idx3-ubyte.gz"
TEST_LABELS = "data/raw/t10k-labels-idx1-ubyte.gz"


def prepared(files: list[Path]) -> tuple[np.ndarray, float, int]:
    """The 28x28 images ``fmnist predict`` makes of ``files``, the seconds it took, and how many
    pictures came with a warning."""
    start = time.perf_counter()
    items = [item for path in files for item in read_items(path, PrepareSpec())]
    seconds = time.perf_counter() - start
    warned = sum(1 for item in items if getattr(item, "warning", None))
    return np.stack([item.image for item in items]), seconds, warned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000, help="test images per family")
    parser.add_argument("--families", nargs="*", default=list(FAMILIES))
    args = parser.parse_args()
    quiet_tensorflow_logs()
    images, labels = read_idx(TEST_IMAGES)[: args.images], read_idx(TEST_LABELS)[: args.images]
    cnn, svm = load_cnn_model("models/cnn.keras"), load_svm_model("models/svm.skops")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(
        f"{len(images)} test images per family; models of the workspace; "
        f"{detect_hardware().device}; "
        f"commit {commit.stdout.strip()}; {time.strftime('%Y-%m-%d')}"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="families-") as tmp:
        for name in args.families:
            files = build_family(name, images, Path(tmp) / str(len(rows)))
            x, seconds, warned = prepared(files)
            cnn_top1 = cnn.predict(to_cnn_input(x), batch_size=1024, verbose=0).argmax(1)
            rows.append(
                {
                    "family": name,
                    "cnn": float(np.mean(cnn_top1 == labels)),
                    "svm": float(np.mean(svm.predict(to_flat(x)) == labels)),
                    "prepare_images_per_s": round(len(files) / seconds),
                    "warnings": warned,
                }
            )
    table = pd.DataFrame(rows)
    plain = table.iloc[0]
    for model in ("cnn", "svm"):
        table[f"{model}_vs_plain_pts"] = ((table[model] - plain[model]) * 100).round(1)
    with pd.option_context("display.width", 200):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
