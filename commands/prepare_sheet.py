"""Draw docs/prepare.png: real pictures of several kinds, each as every ``data.prepare`` makes it.

    python -m commands.prepare_sheet [--out docs/prepare.png]

The pictures come with the project or with a package it installs, so the sheet is made offline:
the two of ``docs/examples`` (a product photo and a Fashion-MNIST image), scikit-image's horse
silhouette, its camera photo and its scan of text, and scikit-learn's digits, light on black, at
8 and 64 px (the 64 px one as JPEG, as a user's folder may hold it). Each row shows the picture
as read (grey), then its 28x28 image by each preparation, titled with whether it was inverted.
"""

from __future__ import annotations

import argparse
import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from fmnist.pictures.prepare import PREPARATIONS, PrepareSpec
from fmnist.pictures.read import read_picture

ROOT = Path(__file__).resolve().parents[1]


def as_jpeg(pixels: np.ndarray, side: int) -> np.ndarray:
    """``pixels`` enlarged to ``side`` and saved as a JPEG, read back."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((side, side), Image.Resampling.BICUBIC).save(buffer, "JPEG")
    return np.asarray(Image.open(buffer).convert("L"))


def pictures() -> dict[str, np.ndarray]:
    """Name -> 2-D grey uint8 picture."""
    import skimage.data
    from sklearn.datasets import load_digits

    digits = load_digits()
    light = np.round(digits.images * 255 / 16).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        horse = np.where(skimage.data.horse(), 255, 0).astype(np.uint8)  # True: background
        camera, text = skimage.data.camera(), skimage.data.text()
    return {
        "product photo (jpg)": read_picture(ROOT / "docs/examples/trouser_photo.jpg"),
        "Fashion-MNIST image": read_picture(ROOT / "docs/examples/ankle_boot_28x28.png"),
        "silhouette on white": horse,
        "photo (camera)": camera,
        "scan of text": text,
        f"digit {digits.target[3]}, 8x8": light[3],
        f"digit {digits.target[7]}, 64x64 jpg": as_jpeg(light[7], 64),
    }


def sheet(found: dict[str, np.ndarray]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ["as read", *PREPARATIONS]
    figure, axes = plt.subplots(
        len(found), len(columns), figsize=(1.7 * len(columns), 1.75 * len(found)), squeeze=False
    )
    for row, (name, grey) in zip(axes, found.items(), strict=True):
        row[0].imshow(grey, cmap="gray", vmin=0, vmax=255)
        row[0].set_title(f"{name}\n{grey.shape[1]}x{grey.shape[0]}", fontsize=7)
        for axis, how in zip(row[1:], PREPARATIONS, strict=True):
            prepared = PrepareSpec(how)(grey)
            axis.imshow(prepared.image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            axis.set_title(f"{how}" + (", inverted" if prepared.inverted else ""), fontsize=7)
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle("data.prepare on real pictures (data.invert: auto)", fontsize=9)
    figure.tight_layout()
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "prepare.png")
    args = parser.parse_args()
    sheet(pictures()).savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
