"""The audit's findings as items a person decides, and what the page shows beside each.

An *item* is one decision to make: a label-issue candidate (one image), a group of
near-duplicates (images linked by the audit's pairs, a chain of pairs being one group), or an
image the split excluded. Images are known by their content id everywhere: the decisions name
them so, and the page fetches their pixels by that id only.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fmnist.audit.table import is_pair
from fmnist.data.content import image_ids
from fmnist.data.split_files import SPLITS, load_classes, load_excluded, load_split
from fmnist.errors import DataError
from fmnist.files import require_file

FINDINGS = "findings.csv"
PROBABILITIES = "probabilities.npz"  # the audit's out-of-fold probabilities, in the pool's order
NEIGHBOURS = 4  # training images shown of the given and of the suggested class
TOP_CLASSES = 3  # probabilities shown


@dataclasses.dataclass(frozen=True)
class Image:
    id: str
    split: str
    index: int
    label: str


@dataclasses.dataclass(frozen=True)
class Item:
    # L:<image id> for a label issue, <kind>:<image id> for another single-image kind, G:<n>
    # for a group, X:<image id> for an excluded one
    key: str
    kind: str  # a single-image check's kind | duplicates | the exclusion's reason
    score: float  # the finding's score (a group: its first pair's, by kind then score)
    images: tuple[Image, ...]
    suggested: str = ""  # a label issue's suggested label
    leak: bool = False  # a group spanning train/validation and test
    detail: str = ""  # a group: how its pairs were found ("near duplicate 0.41", ...); an image:
    # its check's words on it (an outlier's distance from its class)

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "images": [dataclasses.asdict(i) for i in self.images]}


@dataclasses.dataclass(frozen=True)
class ReviewData:
    """One data version's audit: the items, every image's pixels and label by content id, the
    out-of-fold probabilities and the training images by class (for the nearest ones)."""

    classes: tuple[str, ...]
    items: tuple[Item, ...]
    pixels: dict[str, np.ndarray]  # content id -> (28, 28) uint8
    probabilities: dict[str, np.ndarray]  # content id -> (classes,) float32
    train_images: np.ndarray  # (n, 784) float32 in [0, 1]
    train_labels: np.ndarray
    train_ids: np.ndarray

    @functools.cached_property
    def by_key(self) -> dict[str, Item]:
        return {item.key: item for item in self.items}

    @functools.cached_property
    def train_norms(self) -> np.ndarray:
        return (self.train_images**2).sum(axis=1)

    def top_classes(self, image: str) -> list[dict[str, Any]]:
        """The out-of-fold probabilities of ``image``'s most likely classes, best first."""
        if image not in self.probabilities:
            return []
        p = self.probabilities[image]
        order = np.argsort(-p, kind="stable")[:TOP_CLASSES]
        return [{"label": self.classes[i], "p": round(float(p[i]), 4)} for i in order]

    def nearest(self, image: str, label: str, k: int = NEIGHBOURS) -> list[str]:
        """The content ids of the ``k`` training images of class ``label`` nearest to ``image``
        (L2 on pixels), the image itself left out."""
        members = np.flatnonzero(self.train_labels == self.classes.index(label))
        members = members[self.train_ids[members] != image]
        if not len(members):
            return []
        x = self.pixels[image].reshape(-1).astype(np.float32) / 255
        distance = self.train_norms[members] - 2 * self.train_images[members] @ x
        return [str(i) for i in self.train_ids[members[np.argsort(distance)[:k]]]]


def image_items(findings: pd.DataFrame) -> list[Item]:
    """The single-image findings of every check (label issues and any other kind), each kind's
    most severe first."""
    rows = findings[~is_pair(findings) & (findings["split"] != "excluded")]
    return [
        Item(
            f"L:{row.image}" if row.kind == "label_issue" else f"{row.kind}:{row.image}",
            row.kind,
            float(row.score),
            (Image(row.image, row.split, int(row.index), row.given_label),),
            suggested=row.suggested_label,
            detail=row.detail,
        )
        for row in rows.itertuples()
    ]


def group_items(findings: pd.DataFrame) -> list[Item]:
    """The duplicate pairs as groups: images linked by a chain of pairs are one group. Groups
    that span train or validation and test (leakage) come first, then by their closest pair."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = findings[is_pair(findings)]
    if not len(pairs):
        return []
    ends = [
        pairs[["image", "split", "index", "given_label"]].to_numpy(),
        pairs[["other_image", "other_split", "other_index", "other_label"]].to_numpy(),
    ]
    nodes: dict[tuple[str, int], Image] = {}
    for end in ends:
        for image, split, index, label in end:
            nodes.setdefault((split, int(index)), Image(image, split, int(index), label))
    number = {key: n for n, key in enumerate(nodes)}
    a = [number[(split, int(index))] for _, split, index, _ in ends[0]]
    b = [number[(split, int(index))] for _, split, index, _ in ends[1]]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(nodes), len(nodes)))
    _, component = connected_components(graph, directed=False)
    members: dict[int, list[Image]] = {}
    for key, n in number.items():
        members.setdefault(int(component[n]), []).append(nodes[key])
    # a group's first pair: exact before near before shifted (the checks' order), then closest
    rank = {kind: n for n, kind in enumerate(dict.fromkeys(pairs["kind"]))}
    found = pd.DataFrame(
        {
            "group": component[a],
            "rank": pairs["kind"].map(rank).to_numpy(),
            "score": pairs["score"].to_numpy(),
            "how": [
                f"{k.replace('_', ' ')} {v:.2f}" + (f" ({d})" if d else "")
                for k, v, d in zip(pairs["kind"], pairs["score"], pairs["detail"], strict=True)
            ],
        }
    ).sort_values(["rank", "score"], kind="stable")
    first = found.groupby("group").first()
    hows = found.groupby("group")["how"].agg(lambda h: "; ".join(list(dict.fromkeys(h))[:3]))
    groups = []
    for group, images in members.items():
        splits = {image.split for image in images}
        leak = "test" in splits and bool(splits & {"train", "val"})
        order = sorted(
            images, key=lambda i: (SPLITS.index(i.split) if i.split in SPLITS else 9, i.index)
        )
        row = first.loc[group]
        groups.append(
            (not leak, int(row["rank"]), float(row["score"]), tuple(order), leak, hows[group])
        )
    groups.sort(key=lambda g: g[:3])
    return [
        Item(f"G:{n}", "duplicates", score, images, leak=leak, detail=how)
        for n, (_, _, score, images, leak, how) in enumerate(groups)
    ]


def excluded_items(findings: pd.DataFrame) -> list[Item]:
    rows = findings[findings["split"] == "excluded"]
    return [
        Item(
            f"X:{row.image}:{row.index}",
            row.kind,
            0.0,
            (Image(row.image, "excluded", int(row.index), row.given_label),),
        )
        for row in rows.itertuples()
    ]


def load_review_data(split_dir: str | Path, audit_dir: str | Path) -> ReviewData:
    """The audit of the split in ``split_dir`` (``audit_dir``: the audit stage's output) as
    items to decide, with what the page shows beside them."""
    split_dir, audit_dir = Path(split_dir), Path(audit_dir)
    findings = pd.read_csv(
        require_file(audit_dir / FINDINGS, "audit"),
        dtype={"image": str, "other_image": str},
        keep_default_na=False,
    )
    classes = load_classes(split_dir)
    arrays = {name: load_split(split_dir, name) for name in SPLITS}
    images = np.concatenate([x for x, _ in arrays.values()])
    ids = image_ids(images)
    pixels = dict(zip(ids, images, strict=True))
    x_out, _, _ = load_excluded(split_dir)
    pixels.update(zip(image_ids(x_out), x_out, strict=True))
    probabilities: dict[str, np.ndarray] = {}
    if (audit_dir / PROBABILITIES).is_file():
        with np.load(audit_dir / PROBABILITIES) as saved:
            p = saved["probabilities"]
        if len(p) != len(ids):
            raise DataError(
                f"{audit_dir / PROBABILITIES}: {len(p)} rows for {len(ids)} images of "
                f"{split_dir}: the audit is of another data version (run `dvc repro audit`)"
            )
        probabilities = dict(zip(ids, p, strict=True))
    unknown = sorted(set(findings["image"]) - set(pixels))
    if unknown:
        raise DataError(
            f"{audit_dir / FINDINGS}: image {unknown[0]} is not in {split_dir}: the audit is of "
            "another data version (run `dvc repro audit`)"
        )
    train_x, train_y = arrays["train"]
    items = [*group_items(findings), *image_items(findings), *excluded_items(findings)]
    return ReviewData(
        classes=classes,
        items=tuple(items),
        pixels=pixels,
        probabilities=probabilities,
        train_images=train_x.reshape(len(train_x), -1).astype(np.float32) / 255,
        train_labels=np.asarray(train_y, dtype=np.int64),
        train_ids=ids[: len(train_x)],
    )
