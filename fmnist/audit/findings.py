"""What the audit found, counted and shown: the counts per kind (metrics/audit.json) and the
galleries, read from the findings table (:mod:`fmnist.audit.table`) whatever check made the
rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fmnist.audit.checks import Check
from fmnist.audit.table import Pool, is_pair


def split_pair(row_split: pd.Series, other_split: pd.Series, order: Sequence[str]) -> pd.Series:
    """'train-test' style names, in ``order``, for the splits of each pair."""
    rank = {name: i for i, name in enumerate(order)}
    first = [a if rank[a] <= rank[b] else b for a, b in zip(row_split, other_split, strict=True)]
    second = [b if rank[a] <= rank[b] else a for a, b in zip(row_split, other_split, strict=True)]
    return pd.Series([f"{a}-{b}" for a, b in zip(first, second, strict=True)], dtype=object)


def count_key(check: Check) -> str:
    """A kind's key in the counts: '<kind>_pairs' for pairs, '<kind>s' for single images."""
    return f"{check.kind}_pairs" if check.pairs else f"{check.kind}s"


def counts(
    findings: pd.DataFrame, pool: Pool, order: Sequence[str], checks: Mapping[str, Check]
) -> dict:
    """The audit's numbers, for every check whether or not it found anything: pairs per split
    pair (and how many carry two labels), single-image findings per split, and the images per
    class and split."""
    result: dict = {}
    every_pair = [f"{a}-{b}" for a, b in combinations_with_replacement(order, 2)]
    for check in checks.values():
        rows = findings[findings["kind"] == check.kind].reset_index(drop=True)
        if check.pairs:
            pairs = split_pair(rows["split"], rows["other_split"], order)
            differ = (rows["given_label"] != rows["other_label"]).to_numpy()
            result[count_key(check)] = {name: int((pairs == name).sum()) for name in every_pair} | {
                "total": len(rows),
                "different_labels": int(differ.sum()),
            }
        else:
            result[count_key(check)] = {
                name: int((rows["split"] == name).sum()) for name in order
            } | {"total": len(rows)}
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


def image_gallery(findings: pd.DataFrame, pool: Pool, check: Check, size: int) -> Figure:
    """The ``size`` most severe single-image findings of ``check``: each image with its split,
    given label and suggestion, else its detail, else its score."""
    rows = findings[findings["kind"] == check.kind].head(size)
    cells = []
    for r in rows.itertuples():
        said = (
            f"suggested: {r.suggested_label}"
            if r.suggested_label
            else r.detail or f"score {r.score:.3f}"
        )
        caption = f"{r.split} {r.index}\ngiven: {r.given_label}\n{said}"
        cells.append((_image(pool, r.split, r.index), caption))
    return _grid(cells, f"{check.title[0].upper()}{check.title[1:]}: the first {len(rows)}")


def train_test_pairs(findings: pd.DataFrame) -> set[tuple[int, int]]:
    """The (train index, test index) of every pair, of any kind, between train and test."""
    pairs = findings[is_pair(findings)]
    return {
        (int(r.index), int(r.other_index))
        if r.split == "train"
        else (int(r.other_index), int(r.index))
        for r in pairs.itertuples()
        if {r.split, r.other_split} == {"train", "test"}
    }


def closest_pairs_gallery(
    findings: pd.DataFrame, pool: Pool, size: int, checks: Mapping[str, Check]
) -> Figure:
    """Train-test pairs, each as the two images side by side: up to ``size`` of each pair kind,
    in the checks' order, the closest first."""
    pairs = findings[is_pair(findings)]
    train_test = np.array(
        [
            {a, b} == {"train", "test"}
            for a, b in zip(pairs["split"], pairs["other_split"], strict=True)
        ],
        dtype=bool,
    )  # a mask even when empty (a list would select columns)
    across = pairs[train_test]
    shown = pd.concat(
        [across[across["kind"] == kind].head(size) for kind in checks if checks[kind].pairs]
        or [across.head(0)]
    )
    cells = []
    for r in shown.itertuples():
        cells.append((_image(pool, r.split, r.index), f"{r.split} {r.index}: {r.given_label}"))
        how = f"{r.kind.replace('_', ' ')} {r.score:.2f}" + (f"\n{r.detail}" if r.detail else "")
        cells.append(
            (
                _image(pool, r.other_split, r.other_index),
                f"{r.other_split} {r.other_index}: {r.other_label}\n{how}",
            )
        )
    return _grid(cells, f"{len(shown)} train-test pairs, the closest of each kind first", columns=8)


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
