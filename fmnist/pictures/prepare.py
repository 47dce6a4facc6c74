"""A grey picture of any size -> the models' 28x28 uint8 image, by one of three preparations.

``data.prepare`` chooses one for a folder dataset, and the model's record keeps the choice, so
``fmnist predict`` prepares a picture as the model's training pictures were prepared:

- ``fashion-mnist`` (:func:`fashion_mnist_like`): the dataset's own conversion of product
  photos (below): trimmed to the item, its background made black, centred. For product photos,
  and for Fashion-MNIST's own images, which it leaves as they are;
- ``fit`` (:func:`fit`): the whole picture scaled to fit 28x28 with its aspect kept, padded with
  its own background, nothing trimmed: for pictures whose frame is part of the data (digits,
  letters, scans, anything already framed);
- ``stretch`` (:func:`stretch`): the whole picture scaled to 28x28, its aspect not kept.

Each makes the item light on a dark background when the picture's border is light (``invert``
``auto``; ``yes`` and ``no`` force it), as Fashion-MNIST's images are.

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
from collections.abc import Callable, Mapping
from typing import Any, get_args

import numpy as np
from PIL import Image, ImageFilter

from fmnist.params.schema import Invert, Preparation
from fmnist.pictures.pixels import IMAGE_SHAPE

INVERT_CHOICES: tuple[str, ...] = get_args(Invert)
LIGHT_BORDER = 128  # a background brighter than this (0-255) is light: the item is darker
TRIM_TOLERANCE = 0.05 * 255  # the dataset's trim: within 5% of the maximum intensity
NOISE_SIGMAS = 4.0  # ... or within this many standard deviations of the picture's noise
MAD_TO_SIGMA = 1.4826  # median absolute deviation -> standard deviation of a normal
# the dataset's sharpening (Gaussian, sigma 1.0) as an unsharp mask of half strength: of the
# strengths and radii tried, each within noise of the others, and all 0.5-3 points better
# than none on the families of docs/models.md
SHARPEN = ImageFilter.UnsharpMask(radius=1, percent=50, threshold=0)


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


def fitted_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of a picture of ``shape`` (height, width) scaled so that its longest edge
    is 28, its aspect kept."""
    height, width = shape
    scale = IMAGE_SHAPE[0] / max(height, width)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resized(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A picture (uint8 or float) resized to ``size`` (width, height): Lanczos when shrinking,
    bicubic to enlarge."""
    shrinking = max(size) <= max(pixels.shape)
    method = Image.Resampling.LANCZOS if shrinking else Image.Resampling.BICUBIC
    return np.asarray(Image.fromarray(pixels).resize(size, method))


def on_canvas(small: np.ndarray, fill: int) -> np.ndarray:
    """``small`` (uint8, at most 28x28) centred on a 28x28 canvas of grey level ``fill``."""
    canvas = np.full(IMAGE_SHAPE, fill, np.uint8)
    height, width = small.shape
    top, left = (IMAGE_SHAPE[0] - height) // 2, (IMAGE_SHAPE[1] - width) // 2
    canvas[top : top + height, left : left + width] = small
    return canvas


def centred(item: np.ndarray) -> np.ndarray:
    """``item`` (float, light on black) as the dataset makes its images: the longest edge resized
    to 28 (:func:`resized`), sharpened (:data:`SHARPEN`), centred on black; uint8."""
    small = np.clip(np.round(resized(item, fitted_size(item.shape))), 0, 255)
    return on_canvas(np.asarray(Image.fromarray(small.astype(np.uint8)).filter(SHARPEN)), 0)


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


def light_on_dark(grey: np.ndarray, invert: Invert) -> tuple[np.ndarray, float, bool]:
    """The picture negated where ``invert`` decides so (the background's grey level, the border's
    median, decides 'auto'), its background level after that, and whether it was negated."""
    background = background_level(grey)
    inverted = should_invert(background, invert)
    if inverted:
        return 255 - grey, 255 - background, True
    return grey, background, False


def fit(grey: np.ndarray, invert: Invert = "auto") -> Prepared:
    """The whole picture, light on dark, scaled so its longest edge is 28 (aspect kept) and
    centred on its own background grey: nothing trimmed, no contrast changed."""
    pixels, background, inverted = light_on_dark(grey, invert)
    if pixels.shape == IMAGE_SHAPE:
        return Prepared(pixels, inverted)
    return Prepared(
        on_canvas(resized(pixels, fitted_size(pixels.shape)), round(background)), inverted
    )


def stretch(grey: np.ndarray, invert: Invert = "auto") -> Prepared:
    """The whole picture, light on dark, scaled to 28x28 whatever its aspect."""
    pixels, _, inverted = light_on_dark(grey, invert)
    if pixels.shape == IMAGE_SHAPE:
        return Prepared(pixels, inverted)
    return Prepared(resized(pixels, IMAGE_SHAPE[::-1]), inverted)


PREPARATIONS: dict[str, Callable[[np.ndarray, Invert], Prepared]] = {
    "fashion-mnist": fashion_mnist_like,
    "fit": fit,
    "stretch": stretch,
}


@dataclasses.dataclass(frozen=True)
class PrepareSpec:
    """How pictures are made 28x28: ``data.prepare`` and ``data.invert``, as the split stage
    applies them and as a model's record keeps them for ``fmnist predict``."""

    how: Preparation = "fashion-mnist"
    invert: Invert = "auto"

    def __call__(self, grey: np.ndarray) -> Prepared:
        """``grey`` (2-D uint8) prepared by :data:`PREPARATIONS` ``[how]``."""
        return PREPARATIONS[self.how](grey, self.invert)

    def to_record(self) -> dict[str, str]:
        return {"prepare": self.how, "invert": self.invert}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PrepareSpec:
        """The spec a record (a model's, the split's) gives; records written before pictures had
        a choice of preparation were all prepared the Fashion-MNIST way."""
        return cls(record.get("prepare", cls.how), record.get("invert", cls.invert))
