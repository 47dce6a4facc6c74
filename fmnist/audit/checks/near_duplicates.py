"""Near-duplicates: images a small L2 distance apart (``audit.near_duplicate_distance``).

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

from fmnist.audit.checks.base import Check, Context
from fmnist.audit.table import pair_rows
from fmnist.pictures.pixels import to_flat

PROJECTION_COMPONENTS = 40
CHUNK = 4096  # query rows per block of the radius search


def near_pairs(images: np.ndarray, threshold: float, seed: int = 0) -> pd.DataFrame:
    """Every pair (a < b) of distinct images at most ``threshold`` apart: columns a, b, distance
    (exact duplicates are the exact-duplicate check's and left out here)."""
    x = to_flat(images)
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


def find(context: Context) -> pd.DataFrame:
    pool, params = context.pool, context.params
    pairs = near_pairs(pool.images, params.near_duplicate_distance, params.seed)
    return pair_rows(
        pool, pairs["a"].to_numpy(), pairs["b"].to_numpy(), CHECK.kind, pairs["distance"].to_numpy()
    )


CHECK = Check(
    kind="near_duplicate",
    pairs=True,
    find=find,
    title="near copies (L2 at most audit.near_duplicate_distance, pixels in [0, 1])",
)
