"""A picture of any size and colour -> a Fashion-MNIST-like 28x28 uint8 image.

Fashion-MNIST's README says how its images were made from product photos (dark items on
white): trim the edges close to the corner pixels' colour (within 5% of the maximum
intensity), resize the longest edge to 28, sharpen, extend the short edge to 28 with the item
centred, negate. People's pictures are done the same way here:

1. grey, with 16-bit and float pixels scaled to 0-255 (:func:`to_grey`);
2. the background estimated from the border (its median), light or dark, white or tinted;
3. the item made light on black: each pixel's distance from the background, scaled so that the
   background becomes 0 and the far end of the range 255 (for a white background this is the
   dataset's negation; a beige one becomes black too, not grey);
4. trimmed to the item's bounding box: what differs from the background by more than 5% of
   the range, or by more than the picture's own noise (:data:`NOISE_SIGMAS` of it);
5. its longest edge scaled to 28 (Lanczos), sharpened, centred on black.

A 28x28 image with a dark border, such as a dataset image saved as PNG, passes unchanged; a
28x28 one on a light background only has its background made black (step 3). A picture that
is all background has nothing to trim: it is classified as a whole, with a
warning. What each step is worth, measured on families of pictures: docs/models.md.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter

from fmnist.data.dataset import IMAGE_SHAPE

Invert = Literal["auto", "yes", "no"]
INVERT_CHOICES: tuple[str, ...] = ("auto", "yes", "no")
LIGHT_BORDER = 128  # a background brighter than this (0-255) is light: the item is darker
TRIM_TOLERANCE = 0.05 * 255  # the dataset's trim: within 5% of the maximum intensity
NOISE_SIGMAS = 4.0  # ... or within this many standard deviations of the picture's noise
MAD_TO_SIGMA = 1.4826  # median absolute deviation -> standard deviation of a normal
# the dataset's sharpening (Gaussian, sigma 1.0) as an unsharp mask of half strength: of the
# strengths and radii tried, each within noise of the others, and all 0.5-3 points better
# than none on the families of docs/models.md
SHARPEN = ImageFilter.UnsharpMask(radius=1, percent=50, threshold=0)
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The models' 28x28 input made from a picture, and what was done to get it."""

    image: np.ndarray  # (28, 28) uint8, light item on black
    inverted: bool  # the background was light: the item was darker than it
    warning: str | None = None  # said on stderr: e.g. a picture that is all background


def border_pixels(grey: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of a 2-D image, each pixel once."""
    return np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])


def background_level(grey: np.ndarray) -> float:
    """The background's grey level: the median of the border, which an item touching the
    border moves little."""
    return float(np.median(border_pixels(grey)))


def noise_level(grey: np.ndarray) -> float:
    """The picture's pixel noise, a standard deviation: a robust spread (median absolute value)
    of the differences between horizontal neighbours, every other row; smooth areas and rare
    edges do not count, so a clean photo gives about 0 and grain of deviation s gives s."""
    steps = np.diff(grey[::2].astype(np.float32), axis=1)
    return MAD_TO_SIGMA * float(np.median(np.abs(steps))) / np.sqrt(2) if steps.size else 0.0


def should_invert(background: float, invert: Invert) -> bool:
    """``invert`` decided: 'auto' inverts when the background is light (a photo on white)."""
    if invert == "auto":
        return background > LIGHT_BORDER
    return invert == "yes"


def without_transparency(image: Image.Image, backdrop: int) -> np.ndarray:
    """A picture with an alpha channel as grey uint8, laid on a ``backdrop`` grey level (what
    lies under a transparent pixel, often black from a cut-out tool, does not count)."""
    rgba = image.convert("RGBA")
    grey = np.asarray(rgba.convert("RGB").convert("L"), dtype=np.float32)
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    return np.clip(np.round(grey * alpha + backdrop * (1 - alpha)), 0, 255).astype(np.uint8)


def to_grey(image: Image.Image, invert: Invert = "auto") -> np.ndarray:
    """Any Pillow image as a 2-D uint8 array. A picture with transparency is laid on white, as
    the dataset's product photos were (a cut-out product photo is then that photo), or on
    black with ``invert`` 'no' (a light item, in the dataset's own tones, on transparency).
    16-bit pixels are scaled to 0-255 (Pillow's own conversion would clip them), float pixels
    in [0, 1] too."""
    if image.mode in SIXTEEN_BIT_MODES:
        pixels = np.asarray(image, dtype=np.float64)
        if image.mode != "I" or pixels.max(initial=0) > 255:
            pixels = pixels / 257  # 65535 -> 255
        return np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    if image.mode == "F":
        pixels = np.asarray(image, dtype=np.float64)
        scale = 255 if pixels.size and pixels.max() <= 1 else 1
        return np.clip(np.round(pixels * scale), 0, 255).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return without_transparency(image, 0 if invert == "no" else 255)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def contrast_scale(background: float, inverted: bool) -> float:
    """What a grey level's distance from the background is multiplied by so that the end of the
    range on the item's side (0 when ``inverted``, else 255) becomes 255."""
    return 255 / max(background if inverted else 255 - background, 1.0)


def item_on_black(grey: np.ndarray, background: float, inverted: bool) -> np.ndarray:
    """Each pixel's distance from the background towards the item's side (darker when
    ``inverted``), scaled so the background is 0 and the end of the range 255; float32."""
    pixels = grey.astype(np.float32)
    distance = background - pixels if inverted else pixels - background
    return np.clip(distance * contrast_scale(background, inverted), 0, 255)


def item_box(item: np.ndarray, threshold: float) -> tuple[slice, slice] | None:
    """The bounding box of the 2x2 blocks whose four pixels are all above ``threshold``, so that
    single noisy pixels do not widen it (a numpy erosion: a median filter cost 10x more on a
    2-megapixel photo); None when there are none."""
    above = item > threshold
    if min(above.shape) > 1:
        above = above[:-1, :-1] & above[1:, :-1] & above[:-1, 1:] & above[1:, 1:]
    rows, cols = np.flatnonzero(above.any(axis=1)), np.flatnonzero(above.any(axis=0))
    if not len(rows):
        return None
    pad = 1 if min(item.shape) > 1 else 0  # a block's far pixels
    return slice(rows[0], rows[-1] + 1 + pad), slice(cols[0], cols[-1] + 1 + pad)


def centred(item: np.ndarray) -> np.ndarray:
    """``item`` (float, light on black) as the dataset makes its images: the longest edge resized
    to 28 (Lanczos when shrinking, bicubic to enlarge), sharpened (:data:`SHARPEN`), centred on
    black; uint8."""
    height, width = item.shape
    scale = IMAGE_SHAPE[0] / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    method = Image.Resampling.LANCZOS if scale <= 1 else Image.Resampling.BICUBIC
    small = np.clip(np.round(np.asarray(Image.fromarray(item).resize(size, method))), 0, 255)
    sharp = np.asarray(Image.fromarray(small.astype(np.uint8)).filter(SHARPEN))
    canvas = np.zeros(IMAGE_SHAPE, np.uint8)
    top, left = (IMAGE_SHAPE[0] - size[1]) // 2, (IMAGE_SHAPE[1] - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = sharp
    return canvas


def fashion_mnist_like(grey: np.ndarray, invert: Invert = "auto") -> Prepared:
    """A 2-D uint8 picture as the 28x28 uint8 image the models read (see the module's steps)."""
    background = background_level(grey)
    inverted = should_invert(background, invert)
    if grey.shape == IMAGE_SHAPE and not inverted:
        return Prepared(grey, inverted)  # a dataset image
    item = item_on_black(grey, background, inverted)
    if grey.shape == IMAGE_SHAPE:  # framed as the dataset's images already: no trim, no resize
        return Prepared(np.round(item).astype(np.uint8), inverted)
    noise = NOISE_SIGMAS * noise_level(grey) * contrast_scale(background, inverted)
    box = item_box(item, max(TRIM_TOLERANCE, noise))
    warning = None
    if box is None:
        warning = "all background, nothing to trim: classified as a whole"
    else:
        item = item[box]
    return Prepared(centred(item), inverted, warning)
