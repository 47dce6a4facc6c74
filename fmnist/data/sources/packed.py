"""A packed dataset (:mod:`fmnist.data.packed`): shards of prepared pixels and the table of
labels and origins that ``fmnist data pack`` wrote; its classes are the ones it lists."""

from __future__ import annotations

from pathlib import Path

from fmnist.data.dataset import Dataset
from fmnist.data.packed import read_packed
from fmnist.params.schema import DataParams


def read(root: Path, params: DataParams) -> Dataset:
    """The packed dataset at ``data.path``, every shard and row checked."""
    return read_packed(root)
