"""Kaggle-style CSV files as a dataset: a header, then one row per image, the label first and
then the 784 pixels (``label,pixel1,...,pixel784``, as Kaggle's Fashion-MNIST and MNIST CSVs).

``data.path`` is one CSV file (a pool that the split divides) or a folder holding a file whose
name ends in ``train.csv`` and one ending in ``test.csv`` (Kaggle's
``fashion-mnist_train.csv`` and ``fashion-mnist_test.csv``). Labels index ``data.classes``.
A row is named by its line in the file (the header is line 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.data.dataset import Dataset
from fmnist.errors import DataError
from fmnist.params.schema import DataParams
from fmnist.pictures.pixels import IMAGE_SHAPE

PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
COLUMNS = 1 + PIXELS


def csv_files(path: Path) -> dict[str, Path]:
    """Origin -> CSV file: one pool, or train and test found in a folder."""
    if path.is_file():
        return {"pool": path}
    found = {}
    for origin in ("train", "test"):
        matches = sorted(path.glob(f"*{origin}.csv"))
        if len(matches) != 1:
            raise DataError(
                f"{path}: expected one file whose name ends in {origin}.csv, found {len(matches)}"
            )
        found[origin] = matches[0]
    return found


def _line(row: int) -> int:
    return row + 2  # the header is line 1


def _shown(value: object) -> str:
    """A cell as the file has it: text quoted, a number as written."""
    if isinstance(value, str):
        return repr(value)
    return str(value.item() if isinstance(value, np.generic) else value)


def _first_bad(column: pd.Series, low: int, high: int) -> int | None:
    """The first row whose value is missing or not an integer from ``low`` to ``high``."""
    if pd.api.types.is_integer_dtype(column.dtype):
        bad = (column < low) | (column > high)
    else:
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0) | (numbers < low) | (numbers > high)
    rows = np.flatnonzero(bad.to_numpy())
    return int(rows[0]) if rows.size else None


def read_csv_file(path: Path, classes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels of one CSV file, every row and cell checked (numbers are parsed by
    pandas' C reader; only a column that did not come out as integers is looked at again)."""
    expected = f"expected {COLUMNS}: label, pixel1..pixel{PIXELS}"
    try:
        table = pd.read_csv(path, header=0, engine="c", skip_blank_lines=True)
    except pd.errors.ParserError as exc:  # a row with more values than the header
        reason = str(exc).strip().splitlines()[-1].removeprefix("Error tokenizing data. C error: ")
        raise DataError(f"{path}: {reason.rstrip('.').rstrip()} ({expected})") from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a CSV of images ({exc})") from None
    if table.shape[1] != COLUMNS:
        raise DataError(f"{path}: the header has {table.shape[1]} columns ({expected})")
    if not len(table):
        raise DataError(f"{path}: no rows after the header")
    missing = table.isna().to_numpy()
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise DataError(
            f"{path}: line {_line(int(row))} has no value in column {table.columns[col]} "
            f"(a short row or an empty cell; {expected})"
        )
    for position, name in enumerate(table.columns):
        is_label = position == 0
        high = len(classes) - 1 if is_label else 255
        row = _first_bad(table[name], 0, high)
        if row is not None:
            value = table[name].iat[row]
            if is_label:
                raise DataError(
                    f"{path}: line {_line(row)}: label {_shown(value)} is outside 0-{high} "
                    f"(data.classes names {len(classes)} classes)"
                )
            raise DataError(
                f"{path}: line {_line(row)}, column {name}: {_shown(value)} is not an integer "
                "from 0 to 255"
            )
    values = table.to_numpy(dtype=np.int64)
    return values[:, 1:].astype(np.uint8).reshape(-1, *IMAGE_SHAPE), values[:, 0]


def read_csv_source(path: Path, classes: tuple[str, ...]) -> Dataset:
    """The CSV dataset at ``path`` (a file, or a folder of a train and a test file)."""
    parts = {}
    for origin, file in csv_files(path).items():
        images, labels = read_csv_file(file, classes)
        parts[origin] = (images, labels, [f"{file}:{_line(i)}" for i in range(len(labels))])
    return Dataset.of_parts(parts, classes)


def read(path: Path, params: DataParams) -> Dataset:
    """The CSV dataset at ``data.path``, its labels naming ``data.classes``."""
    return read_csv_source(path, tuple(params.classes))
