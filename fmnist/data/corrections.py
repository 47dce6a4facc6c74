"""Corrections to a dataset, reviewed like code: a CSV file in git that the split stage applies.

Columns: ``image`` (the content id :func:`fmnist.data.content.image_ids` gives, as the audit's
findings table and ``fmnist data diff`` show it), ``action`` (``relabel``, ``drop``, or ``keep``:
reviewed and left as it is, which the split ignores), ``new_label`` (a class name, for relabel;
empty otherwise) and ``reason`` (free text, required); ``fmnist review`` adds ``reviewer`` and
``time`` (who decided, when, in UTC), which a file may have or not. A correction is a commit,
and ``fmnist data diff`` shows what it changed. ``data.corrections`` names the file; an empty
value is the data as it came.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.data.dataset import Dataset
from fmnist.errors import DataError

COLUMNS = ["image", "action", "new_label", "reason"]
REVIEW_COLUMNS = [*COLUMNS, "reviewer", "time"]  # as fmnist review writes it
ACTIONS = ("relabel", "drop", "keep")


def read_corrections(path: str | Path) -> pd.DataFrame:
    """The corrections file, every row checked on its own (the images are checked against the
    data by :func:`apply_corrections`)."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(f"{path}: not found (data.corrections)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a corrections CSV ({str(exc).strip()})") from None
    if list(table.columns) not in (COLUMNS, REVIEW_COLUMNS):
        raise DataError(
            f"{path}: the header must be {','.join(COLUMNS)} (and, optionally, reviewer,time), "
            f"not {','.join(table.columns)}"
        )
    for row, record in enumerate(table.to_dict(orient="records"), start=2):
        where = f"{path}: line {row}"
        if record["action"] not in ACTIONS:
            raise DataError(f"{where}: action {record['action']!r} is not relabel, drop or keep")
        if record["action"] == "relabel" and not record["new_label"]:
            raise DataError(f"{where}: relabel needs a new_label")
        if record["action"] != "relabel" and record["new_label"]:
            raise DataError(
                f"{where}: {record['action']} takes no new_label (got {record['new_label']!r})"
            )
        if not record["reason"].strip():
            raise DataError(f"{where}: every correction needs a reason")
    twice = table["image"][table["image"].duplicated()]
    if len(twice):
        lines = [str(i + 2) for i in np.flatnonzero(table["image"] == twice.iloc[0])]
        raise DataError(
            f"{path}: image {twice.iloc[0]} is corrected twice (lines {', '.join(lines)})"
        )
    return table


def apply_corrections(data: Dataset, corrections: pd.DataFrame, where: str) -> Dataset:
    """``data`` with each correction applied: every copy of a named image relabelled or dropped.
    An image that is not in the data, or a label outside its classes, is a :class:`DataError`."""
    if not len(corrections):
        return data
    ids = data.ids
    present = set(ids)
    missing = [image for image in corrections["image"] if image not in present]
    if missing:
        raise DataError(
            f"{where}: {len(missing)} corrected image(s) are not in the data, e.g. {missing[0]}"
        )
    index = {name: i for i, name in enumerate(data.classes)}
    relabel = corrections[corrections["action"] == "relabel"]
    unknown = sorted(set(relabel["new_label"]) - set(index))
    if unknown:
        raise DataError(
            f"{where}: new_label {unknown[0]!r} is not a class of the data "
            f"({', '.join(data.classes)})"
        )
    labels = data.labels.copy()
    for image, label in zip(relabel["image"], relabel["new_label"], strict=True):
        labels[ids == image] = index[label]
    keep = ~np.isin(ids, corrections.loc[corrections["action"] == "drop", "image"].to_numpy())
    return data.subset(keep, labels)
