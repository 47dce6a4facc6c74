"""The images a pipeline trains on, from wherever ``data.source`` says, as one
:class:`~fmnist.data.dataset.Dataset`.

Every source is registered in :data:`SOURCES` (its name in ``data.source`` -> the reader of
its module); a new source is one module with one ``read(path, params)`` function and one entry
there (and its name among ``data.source``'s choices, which a test keeps equal to these):

- ``fashion-mnist``: the four IDX files the download stage verified, with Fashion-MNIST's names;
- ``folder``: a folder of class sub-folders of pictures (:mod:`.folder`), each made 28x28 as
  ``data.prepare`` and ``data.invert`` say;
- ``csv``: Kaggle-style CSV files, label then pixel1..pixel784 (:mod:`.table`);
- ``idx``: IDX files (:mod:`.arrays`);
- ``packed``: shards of prepared pixels and a table (:mod:`.packed`, ``fmnist data pack``).

Each source says, per image, whether its owner put it in train, in test, or in one pool that the
split divides (:data:`~fmnist.data.dataset.ORIGINS`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fmnist.data.dataset import Dataset
from fmnist.data.packed.layout import preparation as packed_preparation
from fmnist.data.sources import arrays, folder, packed, table
from fmnist.errors import DataError
from fmnist.params.schema import DataParams
from fmnist.pictures.prepare import PrepareSpec

Reader = Callable[[Path, DataParams], Dataset]
# data.source -> the read(path, params) of its module
SOURCES: dict[str, Reader] = {
    "fashion-mnist": arrays.read,
    "folder": folder.read,
    "csv": table.read,
    "idx": arrays.read,
    "packed": packed.read,
}


def read_dataset(params: DataParams) -> Dataset:
    """The dataset of ``data.source`` at ``data.path``, as its source reads it (not yet checked:
    :func:`~fmnist.data.dataset.check_dataset`)."""
    path = Path(params.path)
    if not path.exists():
        raise DataError(f"{path}: not found (data.path); for your own data run `dvc add {path}`")
    return SOURCES[params.source](path, params)


def data_preparation(params: DataParams) -> PrepareSpec:
    """How the pictures of ``data.source`` were made 28x28: as ``fmnist data pack`` did for a
    packed dataset, else as ``data.prepare`` and ``data.invert`` say."""
    if params.source == "packed":
        return packed_preparation(Path(params.path))
    return PrepareSpec(params.prepare, params.invert)
