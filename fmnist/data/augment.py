"""Training data order and augmentation, a pure function of (seed, epoch).

Every epoch's shuffle, flips, shifts and erased rectangles are drawn from a generator seeded
with ``(seed, epoch)`` alone, so epoch k is the same whether a run got there in one go or was
interrupted and resumed (README "Interrupted training resumes"), and it costs numpy a fraction
of a second on uint8 images instead of a graph of Keras preprocessing layers per batch.
"""

from __future__ import annotations

import numpy as np


def epoch_images(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    epoch: int,
    flip: bool = False,
    shift: int = 0,
    erase: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Epoch ``epoch`` (0-based) of the training data: shuffled, then augmented.

    ``images`` (n, h, w) and ``labels`` (n,) come back in a new order, each image mirrored left
    to right with probability 1/2 (``flip``) and moved by a whole number of pixels from
    ``-shift`` to ``shift`` in each direction, the uncovered border filled with 0 (``shift``),
    then, with probability ``erase``, given a rectangle of random pixels (:func:`erase_rectangles`).
    Each kind draws from the generator only when it is on, so turning one on leaves what the
    others draw unchanged. The inputs are not modified.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(images))
    x = images[order]
    if flip:
        mirrored = rng.random(len(x)) < 0.5
        x[mirrored] = x[mirrored, :, ::-1]
    if shift:
        x = _shift(x, rng.integers(-shift, shift + 1, size=(2, len(x))), shift)
    if erase:
        x = erase_rectangles(x, rng, erase)
    return x, labels[order]


# Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020, the settings of
# its image-classification experiments, Fashion-MNIST included): a rectangle of 2% to 40% of
# the image's area, its height/width ratio log-uniform in [0.3, 1/0.3], filled with uniform
# random pixel values.
ERASE_AREA = (0.02, 0.4)
ERASE_RATIO = (0.3, 1 / 0.3)


def erase_rectangles(images: np.ndarray, rng: np.random.Generator, probability: float) -> np.ndarray:
    """Images (n, h, w) of an integer dtype, each, with ``probability``, with one rectangle of
    random values in place of its pixels. The rectangle's area is drawn from
    :data:`ERASE_AREA` (a fraction of h*w) and its aspect from :data:`ERASE_RATIO`; a side
    longer than the image is cut to the image (the paper draws again instead), and its position
    is uniform among those where it fits. Returns a new array."""
    count, height, width = images.shape
    out = images.copy()
    chosen = np.flatnonzero(rng.random(count) < probability)
    area = rng.uniform(*ERASE_AREA, len(chosen)) * height * width
    aspect = np.exp(rng.uniform(*np.log(ERASE_RATIO), len(chosen)))
    tall = np.clip(np.rint(np.sqrt(area * aspect)), 1, height).astype(np.int64)
    wide = np.clip(np.rint(np.sqrt(area / aspect)), 1, width).astype(np.int64)
    top = rng.integers(0, height - tall + 1)
    left = rng.integers(0, width - wide + 1)
    rows = np.arange(height)[None, :]
    columns = np.arange(width)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + tall)[:, None])
    in_columns = (columns >= left[:, None]) & (columns < (left + wide)[:, None])
    inside = in_rows[:, :, None] & in_columns[:, None, :]
    top_value = np.iinfo(images.dtype).max
    noise = rng.integers(0, top_value, size=inside.shape, dtype=images.dtype, endpoint=True)
    out[chosen] = np.where(inside, noise, out[chosen])
    return out


def _shift(images: np.ndarray, offsets: np.ndarray, shift: int) -> np.ndarray:
    """Move image i by ``offsets[:, i]`` = (rows, columns) pixels, zeros coming in."""
    _, height, width = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift)))
    out = np.empty_like(images)
    for dy in range(-shift, shift + 1):  # one slice per offset pair: (2 shift + 1)^2 slices
        for dx in range(-shift, shift + 1):
            chosen = (offsets[0] == dy) & (offsets[1] == dx)
            top, left = shift - dy, shift - dx
            out[chosen] = padded[chosen, top : top + height, left : left + width]
    return out
