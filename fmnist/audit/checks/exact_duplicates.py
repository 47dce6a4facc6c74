"""Exact duplicates: images with the same pixels (the same content id), every pair of them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fmnist.audit.checks.base import Check, Context
from fmnist.audit.table import pair_rows


def exact_pairs(ids: np.ndarray) -> np.ndarray:
    """(m, 2) pairs a < b of positions whose content ids are equal."""
    groups = pd.Series(ids).groupby(pd.Series(ids)).indices.values()
    pairs = [(a, b) for at in groups if len(at) > 1 for i, a in enumerate(at) for b in at[i + 1 :]]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def find(context: Context) -> pd.DataFrame:
    pairs = exact_pairs(context.pool.ids)
    return pair_rows(context.pool, pairs[:, 0], pairs[:, 1], CHECK.kind, np.zeros(len(pairs)))


CHECK = Check(kind="exact_duplicate", pairs=True, find=find, title="exact copies (same pixels)")
