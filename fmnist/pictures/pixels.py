"""The models' image shape, and their two input arrays made from uint8 images."""

from __future__ import annotations

import numpy as np

IMAGE_SHAPE = (28, 28)


def to_cnn_input(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1]: the CNN's only preprocessing."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def to_flat(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]: the SVM pipeline's input."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0
