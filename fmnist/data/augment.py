"""Training data order and augmentation, a pure function of (seed, epoch).

Every epoch's shuffle, flips and shifts are drawn from a generator seeded with ``(seed, epoch)``
alone, so epoch k is the same whether a run got there in one go or was interrupted and resumed
(README "Interrupted training resumes"), and it costs numpy a fraction of a second on uint8
images instead of a graph of Keras preprocessing layers per batch.
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
) -> tuple[np.ndarray, np.ndarray]:
    """Epoch ``epoch`` (0-based) of the training data: shuffled, then augmented.

    ``images`` (n, h, w) and ``labels`` (n,) come back in a new order, each image mirrored left
    to right with probability 1/2 (``flip``) and moved by a whole number of pixels from
    ``-shift`` to ``shift`` in each direction, the uncovered border filled with 0 (``shift``).
    The inputs are not modified.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(images))
    x = images[order]
    if flip:
        mirrored = rng.random(len(x)) < 0.5
        x[mirrored] = x[mirrored, :, ::-1]
    if shift:
        x = _shift(x, rng.integers(-shift, shift + 1, size=(2, len(x))), shift)
    return x, labels[order]


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
