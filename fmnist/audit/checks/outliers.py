"""Outliers: images unlike every class, whatever they show (a blank, noise, a handwritten digit,
a patch of a photograph among product photos).

Each image is described by its **image statistics** (:func:`image_statistics`): how its pixels
spread over the grey levels, over the whole image and over its border, and how its power spreads
over spatial frequencies (a radial power spectrum, horizontal and vertical apart). Product
photos on a black background share these within a class; a blank has one grey level, noise a
flat spectrum, an enlarged digit no fine detail, a photograph no black border. Each class is one
Gaussian over them (:class:`sklearn.covariance.EmpiricalCovariance`), and an image's
outlyingness is its Mahalanobis distance from the **nearest** class: an image unlike its own
class but like another is a label issue, not an outlier (measured from its given class, 2%
flipped labels crowd out foreign images: docs/audit.md).

The score is 1 / that distance (lower is more unusual); the ``audit.outliers`` farthest images
are findings, their detail the distance and the nearest class. What this was chosen over (a kNN
distance on pixels or features, cleanlab Datalab's outlier check, per-class PCA likelihood, the
CNN's embeddings) and its planted-fault numbers are in docs/audit.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.covariance import EmpiricalCovariance

from fmnist.audit.checks.base import Check, Context
from fmnist.audit.table import image_rows

GREY_BINS = 16  # equal bins of 0-255, over the whole image
BORDER = 3  # pixels: the outer ring whose grey levels are counted apart
BORDER_BINS = 8
FREQUENCY_BANDS = 8  # radial bands of 1/16 cycle per pixel; the last holds every higher one
MIN_CLASS_IMAGES = 4  # per statistic, for a class to be a Gaussian of its own


def grey_shares(pixels: np.ndarray, bins: int) -> np.ndarray:
    """(n, pixels) uint8 -> (n, bins): the fraction of each row's pixels in each equal bin."""
    n, size = pixels.shape
    at = pixels.astype(np.int64) * bins // 256 + np.arange(n)[:, None] * bins
    return np.bincount(at.ravel(), minlength=n * bins).reshape(n, bins) / size


def image_statistics(images: np.ndarray) -> np.ndarray:
    """(n, h, w) uint8 -> (n, statistics) float64: the square roots of the fractions of pixels per
    grey-level bin, over the whole image and over its border (product photos sit on black); then
    the logarithm of the fraction of the image's power (its mean taken off) per frequency band
    and orientation (horizontal frequencies at least as high as vertical ones, or not)."""
    from scipy import fft

    n, height, width = images.shape
    rows, columns = np.mgrid[:height, :width]
    ring = np.minimum.reduce([rows, columns, height - 1 - rows, width - 1 - columns]) < BORDER
    grey = grey_shares(images.reshape(n, -1), GREY_BINS)
    border = grey_shares(images[:, ring], BORDER_BINS)
    x = images.astype(np.float32) / 255
    spectrum = fft.rfft2(x - x.mean(axis=(1, 2), keepdims=True), workers=-1)
    power = (spectrum.real**2 + spectrum.imag**2).reshape(n, -1)
    fy, fx = np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :]
    band = np.minimum(np.hypot(fy, fx) * 2 * FREQUENCY_BANDS, FREQUENCY_BANDS - 1).astype(int)
    horizontal = np.broadcast_to(np.abs(fx) >= np.abs(fy), band.shape)
    cells = [(band == b) & (horizontal == h) for b in range(FREQUENCY_BANDS) for h in (True, False)]
    member = np.stack([cell.ravel() for cell in cells if cell.any()], axis=1).astype(np.float32)
    per_cell = (power @ member).astype(np.float64)
    share = per_cell / np.maximum(per_cell.sum(axis=1, keepdims=True), 1e-12)
    return np.concatenate([np.sqrt(grey), np.sqrt(border), np.log(share + 1e-6)], axis=1)


def nearest_class(statistics: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each image's Mahalanobis distance from the nearest class's Gaussian over ``statistics``,
    and that class. Classes with fewer than MIN_CLASS_IMAGES images per statistic are no
    Gaussian of their own; if no class has enough, all images are one (its class: -1)."""
    sizes = np.bincount(labels)
    classes = np.flatnonzero(sizes >= MIN_CLASS_IMAGES * statistics.shape[1])
    groups = [labels == c for c in classes] or [np.ones(len(labels), dtype=bool)]
    squared = np.stack(
        [EmpiricalCovariance().fit(statistics[g]).mahalanobis(statistics) for g in groups], axis=1
    )
    nearest = squared.argmin(axis=1)
    distance = np.sqrt(squared[np.arange(len(squared)), nearest])
    return distance, classes[nearest] if len(classes) else np.full(len(nearest), -1)


def find(context: Context) -> pd.DataFrame:
    pool = context.pool
    distance, nearest = nearest_class(image_statistics(pool.images), pool.labels)
    farthest = np.argsort(-distance, kind="stable")[: context.params.outliers]
    names = [*pool.classes, "all images"]  # -1: no class had enough images
    detail = [f"{distance[i]:.1f} from {names[nearest[i]]}" for i in farthest]
    # lower is more severe: the closeness to the nearest class
    return image_rows(pool, farthest, CHECK.kind, 1 / distance[farthest], detail=detail)


CHECK = Check(
    kind="outlier",
    pairs=False,
    find=find,
    title="outliers (unlike every class's grey levels and frequencies), the most unusual first",
)
