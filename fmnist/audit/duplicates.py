"""Exact duplicates (the same pixels) and near-duplicates (a small L2 distance) among images.

Distance: Euclidean between images with pixels scaled to [0, 1] (784 values), so two images
that differ by 0.1 in 100 pixels are 1.0 apart. Near pairs are found exactly without comparing
all pairs in 784 dimensions: distances between projections onto any orthonormal basis (here
PCA's first components, fitted on the images) are never larger than the true ones, so every
pair within the threshold is also within it in the projection; scikit-learn's radius search
finds those candidates cheaply, and each is then measured in full.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from fmnist.data.content import image_ids

PROJECTION_COMPONENTS = 40
CHUNK = 4096  # query rows per block of the exact nearest-neighbour search


def flat(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]."""
    return images.reshape(len(images), -1).astype(np.float32) / 255


def exact_duplicates(images: np.ndarray) -> pd.DataFrame:
    """Every pair (a < b) of positions holding the same pixels: columns a, b."""
    ids = pd.Series(image_ids(images))
    pairs = []
    for positions in ids.groupby(ids).indices.values():
        if len(positions) > 1:
            pairs += [(a, b) for i, a in enumerate(positions) for b in positions[i + 1 :]]
    return pd.DataFrame(pairs, columns=["a", "b"], dtype=int)


def near_pairs(images: np.ndarray, threshold: float, seed: int = 0) -> pd.DataFrame:
    """Every pair (a < b) of distinct images at most ``threshold`` apart: columns a, b, distance
    (exact duplicates are :func:`exact_duplicates`' and left out here)."""
    x = flat(images)
    components = min(PROJECTION_COMPONENTS, len(x) - 1, x.shape[1])
    projected = PCA(components, svd_solver="randomized", random_state=seed).fit_transform(x)
    search = NearestNeighbors(radius=threshold).fit(projected)
    rows = []
    for start in range(0, len(x), CHUNK):
        block = projected[start : start + CHUNK]
        _, found = search.radius_neighbors(block, sort_results=False)
        for offset, neighbours in enumerate(found):
            a = start + offset
            later = neighbours[neighbours > a]
            if later.size:
                distance = np.linalg.norm(x[later] - x[a], axis=1)
                keep = (distance <= threshold) & (distance > 0)
                rows += [
                    (a, int(b), float(d)) for b, d in zip(later[keep], distance[keep], strict=True)
                ]
    return pd.DataFrame(rows, columns=["a", "b", "distance"]).astype({"a": int, "b": int})


def nearest(queries: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the position of the nearest ``pool`` image (blocked float32 matrix
    products) and its distance, measured in full."""
    q, p = flat(queries), flat(pool)
    p_norms = (p * p).sum(axis=1)
    index = np.empty(len(q), dtype=int)
    distance = np.empty(len(q), dtype=np.float32)
    for start in range(0, len(q), CHUNK):
        block = q[start : start + CHUNK]
        squared = (block * block).sum(axis=1)[:, None] + p_norms[None, :] - 2 * block @ p.T
        best = squared.argmin(axis=1)
        index[start : start + len(block)] = best
        # measured again in full: the expanded form loses digits for close pairs
        distance[start : start + len(block)] = np.linalg.norm(block - p[best], axis=1)
    return index, distance
