"""The findings table: one row per finding, whatever check found it.

Each image is named by its content id (:func:`fmnist.data.content.image_ids`) and located by its
split and index there. A pair (two images that are copies of each other) is one row, on its
first image, with the other image in ``other_image``/``other_split``/``other_index``. ``score``
orders the rows of one kind, the most telling first: **lower is more severe** for every kind (a
distance or residual between copies, the probability of the given label, how typical an image
is). ``suggested_label`` is a check's proposal, if it has one; ``detail`` says in words what the
score does not (the shift of a shifted copy, say).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from fmnist.data.content import image_ids

COLUMNS = [
    "image", "split", "index", "kind", "score", "given_label", "suggested_label",
    "other_image", "other_split", "other_index", "other_label", "detail",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Pool:
    """The images of all splits in one array, with where each came from."""

    images: np.ndarray
    labels: np.ndarray
    splits: np.ndarray  # split name of each image
    index: np.ndarray  # its index in that split
    classes: Sequence[str]
    ids: np.ndarray  # its content id (fmnist.data.content.image_ids)

    @classmethod
    def of(cls, arrays: dict[str, tuple[np.ndarray, np.ndarray]], classes: Sequence[str]) -> Pool:
        images = np.concatenate([x for x, _ in arrays.values()])
        return cls(
            images,
            np.concatenate([y for _, y in arrays.values()]).astype(np.int64),
            np.concatenate([np.full(len(y), name, dtype=object) for name, (_, y) in arrays.items()]),
            np.concatenate([np.arange(len(y)) for _, y in arrays.values()]),
            classes,
            image_ids(images),
        )


def _text(values: Sequence[str] | str, count: int) -> np.ndarray:
    return (
        np.full(count, values, dtype=object)
        if isinstance(values, str)
        else np.asarray(values, dtype=object)
    )


def _rows(
    pool: Pool,
    at: np.ndarray,
    kind: str,
    score: np.ndarray,
    suggested: np.ndarray | None,
    other: np.ndarray | None,
    detail: Sequence[str] | str,
) -> pd.DataFrame:
    """Rows at pool positions ``at`` (with the pool positions ``other`` of their pairs, if they
    are pairs), sorted by score, the most severe first."""
    at = np.asarray(at, dtype=np.int64)
    names = np.asarray(pool.classes, dtype=object)
    if other is None:
        pairs = {"other_image": "", "other_split": "", "other_index": -1, "other_label": ""}
    else:
        other = np.asarray(other, dtype=np.int64)
        pairs = {
            "other_image": pool.ids[other],
            "other_split": pool.splits[other],
            "other_index": pool.index[other],
            "other_label": names[pool.labels[other]],
        }
    rows = pd.DataFrame(
        {
            "image": pool.ids[at],
            "split": pool.splits[at],
            "index": pool.index[at],
            "kind": kind,
            "score": np.round(np.asarray(score, dtype=np.float64), 4),
            "given_label": names[pool.labels[at]],
            "suggested_label": "" if suggested is None else names[np.asarray(suggested, int)],
            **pairs,
            "detail": _text(detail, len(at)),
        },
        columns=COLUMNS,
    )
    return rows.sort_values("score", kind="stable", ignore_index=True)


def pair_rows(
    pool: Pool,
    a: np.ndarray,
    b: np.ndarray,
    kind: str,
    score: np.ndarray,
    detail: Sequence[str] | str = "",
) -> pd.DataFrame:
    """Rows of pairs of pool positions ``a``-``b``, sorted by score (closest first)."""
    return _rows(pool, a, kind, score, None, b, detail)


def image_rows(
    pool: Pool,
    at: np.ndarray,
    kind: str,
    score: np.ndarray,
    suggested: np.ndarray | None = None,
    detail: Sequence[str] | str = "",
) -> pd.DataFrame:
    """Rows of single images at pool positions ``at``, sorted by score (most severe first);
    ``suggested``: a label number per row, or none."""
    return _rows(pool, at, kind, score, suggested, None, detail)


def excluded_rows(
    images: np.ndarray, labels: np.ndarray, reasons: np.ndarray, classes: Sequence[str]
) -> pd.DataFrame:
    """The images the split left out (its ``excluded.npz``), one row each: its reason is the
    kind (``empty``, ``label_conflict``), its split 'excluded', its index in that file."""
    return pd.DataFrame(
        {
            "image": image_ids(images),
            "split": "excluded",
            "index": np.arange(len(labels)),
            "kind": reasons.astype(object),
            "score": 0.0,
            "given_label": np.asarray(classes, dtype=object)[labels],
            "suggested_label": "",
            "other_image": "",
            "other_split": "",
            "other_index": -1,
            "other_label": "",
            "detail": "",
        },
        columns=COLUMNS,
    )


def is_pair(findings: pd.DataFrame) -> np.ndarray:
    """Which rows are pairs (they name an other image), whatever their kind."""
    return (findings["other_image"].astype(str) != "").to_numpy()
