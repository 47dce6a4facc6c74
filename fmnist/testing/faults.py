"""Faults to plant in real images, for the audit's tests and benchmarks: shifted copies, flipped
labels and foreign images (of no class). Every function is seeded by its ``rng``."""

from __future__ import annotations

import numpy as np


def shifted_copy(
    image: np.ndarray,
    rng: np.random.Generator,
    reach: int = 2,
    noise: float = 8.0,
    change: float = 0.10,
) -> tuple[np.ndarray, tuple[int, int]]:
    """``image`` moved by a random (dy, dx) within ``reach`` pixels, not (0, 0), what leaves the
    frame cropped and the uncovered edge filled with the image's border grey; its contrast and
    brightness changed by up to ``change`` (brightness as a fraction of 255); Gaussian noise of
    sigma ``noise`` grey levels. Returns the copy and the shift."""
    while True:
        dy, dx = (int(v) for v in rng.integers(-reach, reach + 1, 2))
        if (dy, dx) != (0, 0):
            break
    x = image.astype(np.float64)
    border = float(np.median(np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])))
    moved = np.full_like(x, border)
    side = x.shape[0]
    moved[max(dy, 0) : side + min(dy, 0), max(dx, 0) : side + min(dx, 0)] = x[
        max(-dy, 0) : side + min(-dy, 0), max(-dx, 0) : side + min(-dx, 0)
    ]
    mean = moved.mean()
    moved = (moved - mean) * (1 + rng.uniform(-change, change)) + mean
    moved += rng.uniform(-change, change) * 255 + rng.normal(0, noise, moved.shape)
    return np.clip(np.round(moved), 0, 255).astype(np.uint8), (dy, dx)


def flip_labels(
    labels: np.ndarray, fraction: float, classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A copy of ``labels`` with ``fraction`` of them changed to another class, uniformly, and
    the positions changed."""
    flipped = rng.choice(len(labels), round(fraction * len(labels)), replace=False)
    noisy = labels.astype(np.int64).copy()
    noisy[flipped] = (noisy[flipped] + rng.integers(1, classes, len(flipped))) % classes
    return noisy, flipped


FOREIGN_KINDS = ("blank", "noise", "digit", "photo")


def foreign_images(count: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """``count`` 28x28 images of no Fashion-MNIST class, the kinds in turn: near-blank (one grey
    level and faint noise), uniform noise, a handwritten digit (scikit-learn's 8x8 digits,
    enlarged) and a patch of a photograph (scikit-learn's sample photos, greyscale)."""
    from PIL import Image
    from sklearn.datasets import load_digits, load_sample_images

    digits = load_digits().images  # 0-16
    photos = [p.mean(axis=2) for p in load_sample_images().images]
    side = 28
    images, kinds = [], []
    for n in range(count):
        kind = FOREIGN_KINDS[n % len(FOREIGN_KINDS)]
        if kind == "blank":
            image = rng.integers(0, 256) + rng.normal(0, 2, (side, side))
        elif kind == "noise":
            image = rng.uniform(0, 256, (side, side))
        elif kind == "digit":  # enlarged smoothly to 24x24, as a 28x28 dataset would hold it
            digit = Image.fromarray(digits[rng.integers(len(digits))].astype(np.float32) * 255 / 16)
            image = np.pad(np.asarray(digit.resize((24, 24), Image.Resampling.BICUBIC)), 2)
        else:
            photo = photos[rng.integers(len(photos))]
            step = int(rng.integers(2, 8))  # the patch covers 56-224 px of the photo
            top = rng.integers(0, photo.shape[0] - side * step)
            left = rng.integers(0, photo.shape[1] - side * step)
            patch = photo[top : top + side * step, left : left + side * step]
            image = patch.reshape(side, step, side, step).mean(axis=(1, 3))
        images.append(np.clip(np.round(image), 0, 255).astype(np.uint8))
        kinds.append(kind)
    return np.stack(images), kinds
