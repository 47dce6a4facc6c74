"""A picture of any size and colour -> a Fashion-MNIST-like 28x28 uint8 image.

Fashion-MNIST items are light on a black background, centred in a square; product photos are
usually dark on white. So: grey, invert when the background (the border pixels) is light, pad
to a square with the background colour (never stretch), then resize to 28x28. A 28x28 grey
image with a dark border, such as a Fashion-MNIST test image written to PNG, passes unchanged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image

from fmnist.data.dataset import IMAGE_SHAPE

Invert = Literal["auto", "yes", "no"]
INVERT_CHOICES: tuple[str, ...] = ("auto", "yes", "no")
LIGHT_BORDER = 128  # a border brighter than this on average (0-255) is a light background


def border_mean(grey: np.ndarray) -> float:
    """Mean of the outermost rows and columns of a 2-D image."""
    edges = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    return float(edges.mean())


def should_invert(grey: np.ndarray, invert: Invert) -> bool:
    """``invert`` decided: 'auto' inverts when the border is light (a photo on white)."""
    if invert == "auto":
        return border_mean(grey) > LIGHT_BORDER
    return invert == "yes"


def pad_to_square(grey: np.ndarray, fill: int) -> np.ndarray:
    """Centre ``grey`` in a square of ``fill``: the aspect ratio is kept, nothing is cut."""
    height, width = grey.shape
    side = max(height, width)
    square = np.full((side, side), fill, dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = grey
    return square


def to_grey(image: Image.Image) -> np.ndarray:
    """Any Pillow image as a 2-D uint8 array; transparent parts count as white (paper)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def fashion_mnist_like(grey: np.ndarray, invert: Invert = "auto") -> tuple[np.ndarray, bool]:
    """A 2-D uint8 image as a 28x28 uint8 one the models read, and whether it was inverted."""
    inverted = should_invert(grey, invert)
    if inverted:
        grey = 255 - grey
    if grey.shape == IMAGE_SHAPE:
        return grey, inverted
    square = pad_to_square(grey, fill=round(border_mean(grey)))
    # an area (box) average when shrinking, as the dataset's own thumbnails; bilinear to enlarge
    method = Image.Resampling.BOX if len(square) >= IMAGE_SHAPE[0] else Image.Resampling.BILINEAR
    small = Image.fromarray(square).resize(IMAGE_SHAPE[::-1], method)
    return np.asarray(small, dtype=np.uint8), inverted
