"""What the audit found, as one table (a row per finding), counts, and two galleries.

Each image is named by its content id (:func:`fmnist.data.content.image_ids`) and located by its
split and index there. A duplicate pair is one row, on its first image, with the other image
in ``other_image``/``other_split``; ``score`` is the L2 distance (0 for exact duplicates) or,
for a label issue, cleanlab's self-confidence (the probability of the given label).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fmnist.data.content import image_ids

COLUMNS = [
    "image", "split", "index", "kind", "score", "given_label", "suggested_label",
    "other_image", "other_split", "other_index", "other_label",
]  # fmt: skip
DUPLICATES = ("exact_duplicate", "near_duplicate")  # the kinds of a pair; the third: label_issue


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


def pair_rows(pool: Pool, pairs: pd.DataFrame, kind: str) -> pd.DataFrame:
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    names = np.asarray(pool.classes, dtype=object)
    score = pairs["distance"].to_numpy() if "distance" in pairs else np.zeros(len(pairs))
    return pd.DataFrame(
        {
            "image": pool.ids[a],
            "split": pool.splits[a],
            "index": pool.index[a],
            "kind": kind,
            "score": np.round(score, 4),
            "given_label": names[pool.labels[a]],
            "suggested_label": "",
            "other_image": pool.ids[b],
            "other_split": pool.splits[b],
            "other_index": pool.index[b],
            "other_label": names[pool.labels[b]],
        }
    )


def issue_rows(pool: Pool, issues: pd.DataFrame) -> pd.DataFrame:
    at = issues["position"].to_numpy()
    names = np.asarray(pool.classes, dtype=object)
    return pd.DataFrame(
        {
            "image": pool.ids[at],
            "split": pool.splits[at],
            "index": pool.index[at],
            "kind": "label_issue",
            "score": np.round(issues["self_confidence"].to_numpy(), 4),
            "given_label": names[pool.labels[at]],
            "suggested_label": names[issues["suggested"]],
            "other_image": "",
            "other_split": "",
            "other_index": -1,
            "other_label": "",
        }
    )


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
        },
        columns=COLUMNS,
    )


def findings_table(
    pool: Pool, exact: pd.DataFrame, near: pd.DataFrame, issues: pd.DataFrame
) -> pd.DataFrame:
    parts = [
        pair_rows(pool, exact, "exact_duplicate"),
        pair_rows(pool, near.sort_values("distance", kind="stable"), "near_duplicate"),
        issue_rows(pool, issues),
    ]
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def split_pair(row_split: pd.Series, other_split: pd.Series, order: Sequence[str]) -> pd.Series:
    """'train-test' style names, in ``order``, for the splits of each pair."""
    rank = {name: i for i, name in enumerate(order)}
    first = [a if rank[a] <= rank[b] else b for a, b in zip(row_split, other_split, strict=True)]
    second = [b if rank[a] <= rank[b] else a for a, b in zip(row_split, other_split, strict=True)]
    return pd.Series([f"{a}-{b}" for a, b in zip(first, second, strict=True)], dtype=object)


def counts(findings: pd.DataFrame, pool: Pool, order: Sequence[str]) -> dict:
    """The audit's numbers: pairs per kind and split pair (and how many of them carry two
    labels), label-issue candidates per split, images per class and split."""
    result: dict = {}
    every_pair = [f"{a}-{b}" for a, b in combinations_with_replacement(order, 2)]
    for kind in DUPLICATES:
        rows = findings[findings["kind"] == kind].reset_index(drop=True)
        pairs = split_pair(rows["split"], rows["other_split"], order)
        differ = (rows["given_label"] != rows["other_label"]).to_numpy()
        result[f"{kind}_pairs"] = {name: int((pairs == name).sum()) for name in every_pair} | {
            "total": len(rows),
            "different_labels": int(differ.sum()),
        }
    issues = findings[findings["kind"] == "label_issue"]
    result["label_issues"] = {name: int((issues["split"] == name).sum()) for name in order} | {
        "total": len(issues)
    }
    balance = {}
    for name in order:
        per_class = np.bincount(pool.labels[pool.splits == name], minlength=len(pool.classes))
        balance[name] = {
            "largest_to_smallest": round(float(per_class.max() / max(per_class.min(), 1)), 3),
            "smallest_class": str(pool.classes[int(per_class.argmin())]),
            "smallest_count": int(per_class.min()),
        }
    result["class_balance"] = balance
    return result


def label_issue_gallery(findings: pd.DataFrame, pool: Pool, size: int) -> Figure:
    """The ``size`` most likely label errors: each image with its given and suggested label."""
    rows = findings[findings["kind"] == "label_issue"].head(size)
    return _grid(
        [
            (
                _image(pool, r.split, r.index),
                f"{r.split} {r.index}\ngiven: {r.given_label}\nsuggested: {r.suggested_label}",
            )
            for r in rows.itertuples()
        ],
        f"Label-issue candidates (cleanlab), the {len(rows)} least self-confident",
    )


def train_test_pairs(findings: pd.DataFrame) -> set[tuple[int, int]]:
    """The (train index, test index) of every duplicate or near-duplicate train-test pair."""
    pairs = findings[findings["kind"].isin(DUPLICATES)]
    return {
        (int(r.index), int(r.other_index))
        if r.split == "train"
        else (int(r.other_index), int(r.index))
        for r in pairs.itertuples()
        if {r.split, r.other_split} == {"train", "test"}
    }


def closest_pairs_gallery(findings: pd.DataFrame, pool: Pool, size: int) -> Figure:
    """The ``size`` closest train-test pairs, each as the two images side by side."""
    pairs = findings[findings["kind"].isin(DUPLICATES)]
    train_test = np.array(
        [
            {a, b} == {"train", "test"}
            for a, b in zip(pairs["split"], pairs["other_split"], strict=True)
        ],
        dtype=bool,
    )  # a mask even when empty (a list would select columns)
    across = pairs[train_test].sort_values("score", kind="stable").head(size)
    cells = []
    for r in across.itertuples():
        cells.append((_image(pool, r.split, r.index), f"{r.split} {r.index}: {r.given_label}"))
        cells.append(
            (
                _image(pool, r.other_split, r.other_index),
                f"{r.other_split} {r.other_index}: {r.other_label}\ndistance {r.score:.2f}",
            )
        )
    return _grid(
        cells, f"The {len(across)} closest train-test pairs (L2, pixels in [0, 1])", columns=8
    )


def _image(pool: Pool, split: str, index: int) -> np.ndarray:
    at = np.flatnonzero((pool.splits == split) & (pool.index == index))[0]
    return pool.images[at]


def _grid(cells: list[tuple[np.ndarray, str]], title: str, columns: int = 5) -> Figure:
    count = max(len(cells), 1)
    columns = min(columns, count)
    lines = -(-count // columns)
    figure = Figure(figsize=(1.6 * columns, 1.9 * lines + 0.5), layout="constrained")
    figure.suptitle(title, fontsize=9)
    axes = np.atleast_1d(figure.subplots(lines, columns, squeeze=False)).ravel()
    for axis in axes:
        axis.set_axis_off()
    for axis, (image, caption) in zip(axes, cells, strict=False):
        axis.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        axis.set_title(caption, fontsize=6)
    return figure
