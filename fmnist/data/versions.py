"""What changed between two data versions, image by image.

An image is known by its content: :func:`image_ids` names each one by a hash of its pixels, so
the same picture under another file name or at another place in an array is the same image.
:func:`diff_versions` pairs the images of two versions by that name and says, for each one
that differs, whether it was added, removed, relabelled or moved between splits (or both of the
last two), with counts per class and per split.

A picture that occurs more than once in a version (a duplicate) is paired occurrence by
occurrence, in the order of the splits then of the arrays, so each copy is accounted for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from fmnist.data.content import image_ids
from fmnist.data.split_files import SPLITS

SPLIT_DIR = "data/split"
SPLIT_STAGE = "split"
CHANGES = ("added", "removed", "relabelled", "moved", "relabelled+moved")
# the order of the changed images in the table, the listing and the contact sheet: the rare
# changes a person checks first, the added images (often thousands) last
SHOWN_FIRST = ("relabelled", "relabelled+moved", "removed", "moved", "added")
COLUMNS = ["image", "change", "old_split", "new_split", "old_label", "new_label"]


@dataclasses.dataclass(frozen=True)
class DataVersion:
    """One data version: per split, the content names and labels of its images (in order),
    and the class names its labels index."""

    splits: Mapping[str, tuple[np.ndarray, np.ndarray]]  # split -> (ids, labels)
    classes: Sequence[str]
    images: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)  # split -> pixels

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, tuple[np.ndarray, np.ndarray]], classes: Sequence[str]
    ) -> DataVersion:
        """From each split's (images, labels), as the split stage writes them."""
        return cls(
            {name: (image_ids(x), np.asarray(y)) for name, (x, y) in arrays.items()},
            classes,
            {name: x for name, (x, _) in arrays.items()},
        )

    def pixels(self, wanted: set[str]) -> dict[str, np.ndarray]:
        """The pixels of the images named in ``wanted`` that this version holds."""
        found = {}
        for name, (ids, _) in self.splits.items():
            for index in np.flatnonzero(np.isin(ids, list(wanted))):
                found.setdefault(ids[index], self.images[name][index])
        return found

    def table(self) -> pd.DataFrame:
        """One row per image: its occurrence key (content name and copy number), split, label."""
        frames = [
            pd.DataFrame({"image": ids, "split": name, "label": labels.astype(int)})
            for name, (ids, labels) in self.splits.items()
        ]
        table = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=["image", "split", "label"])
        )
        table["copy"] = table.groupby("image").cumcount()
        return table


@dataclasses.dataclass(frozen=True)
class DataDiff:
    """The images that differ between two versions (``changes``, one row each) and the
    counts of each kind of change per split and per class."""

    changes: pd.DataFrame
    old_total: int
    new_total: int
    unchanged: int
    order: Sequence[str] = ()  # splits then classes, in the versions' order, for the tables

    def counts(self) -> dict[str, int]:
        found = self.changes["change"].value_counts()
        return {change: int(found.get(change, 0)) for change in CHANGES}

    def per_split(self) -> pd.DataFrame:
        """Rows: splits (the new split, or the old one for removed images); columns: changes."""
        split = self.changes["new_split"].where(self.changes["change"] != "removed")
        split = split.fillna(self.changes["old_split"])
        return _crosstab(split, self.changes["change"], "split", self.order)

    def per_class(self) -> pd.DataFrame:
        """Rows: classes (the new label, or the old one for removed images); columns: changes."""
        label = self.changes["new_label"].where(self.changes["change"] != "removed")
        label = label.fillna(self.changes["old_label"])
        return _crosstab(label, self.changes["change"], "class", self.order)

    def to_json(self) -> dict:
        return {
            "old_images": self.old_total,
            "new_images": self.new_total,
            "unchanged": self.unchanged,
            "counts": self.counts(),
            "per_split": _records(self.per_split(), "split"),
            "per_class": _records(self.per_class(), "class"),
            "images": [
                {key: (None if pd.isna(value) else value) for key, value in row.items()}
                for row in self.changes.to_dict(orient="records")
            ],
        }


def _crosstab(rows: pd.Series, columns: pd.Series, name: str, order: Sequence[str]) -> pd.DataFrame:
    table = pd.crosstab(rows.rename(name), columns.rename("change"))
    ordered = [key for key in order if key in table.index]
    ordered += [key for key in table.index if key not in ordered]
    return table.reindex(index=ordered, columns=list(CHANGES), fill_value=0)


def _records(table: pd.DataFrame, name: str) -> list[dict]:
    return [{name: index, **{k: int(v) for k, v in row.items()}} for index, row in table.iterrows()]


def diff_versions(old: DataVersion, new: DataVersion) -> DataDiff:
    """Every image that was added, removed, relabelled or moved between ``old`` and ``new``.

    Labels are compared by class name, so a version whose classes were re-ordered relabels
    nothing it did not change.
    """
    before, after = old.table(), new.table()
    before["label"] = np.asarray(old.classes, dtype=object)[before["label"].to_numpy()]
    after["label"] = np.asarray(new.classes, dtype=object)[after["label"].to_numpy()]
    both = before.merge(after, on=["image", "copy"], how="outer", suffixes=("_old", "_new"))
    relabelled = both["label_old"] != both["label_new"]
    moved = both["split_old"] != both["split_new"]
    change = np.select(
        [
            both["split_old"].isna(),
            both["split_new"].isna(),
            relabelled & moved,
            relabelled,
            moved,
        ],
        ["added", "removed", "relabelled+moved", "relabelled", "moved"],
        default="",
    )
    both["change"] = change
    changed = both[both["change"] != ""].rename(
        columns={
            "split_old": "old_split",
            "split_new": "new_split",
            "label_old": "old_label",
            "label_new": "new_label",
        }
    )
    rank = {name: i for i, name in enumerate(SHOWN_FIRST)}
    changed = changed.assign(_order=changed["change"].map(rank))
    changed = changed.sort_values(["_order", "image", "copy"], kind="stable")[COLUMNS]
    order = [*old.splits, *(n for n in new.splits if n not in old.splits)]
    order += [*old.classes, *(c for c in new.classes if c not in old.classes)]
    return DataDiff(
        changes=changed.reset_index(drop=True),
        old_total=len(before),
        new_total=len(after),
        unchanged=int((both["change"] == "").sum()),
        order=order,
    )


def change_caption(row: Mapping[str, object]) -> str:
    """A changed image in a few words: ``added Bag (train)``, ``Coat -> Shirt``, ``val -> train``."""
    change = row["change"]
    if change == "added":
        return f"added {row['new_label']} ({row['new_split']})"
    if change == "removed":
        return f"removed {row['old_label']} ({row['old_split']})"
    parts = []
    if "relabelled" in str(change):
        parts.append(f"{row['old_label']} -> {row['new_label']}")
    if "moved" in str(change):
        parts.append(f"{row['old_split']} -> {row['new_split']}")
    return "\n".join(parts)


def contact_sheet(diff: DataDiff, old: DataVersion, new: DataVersion, limit: int = 100):
    """A matplotlib figure of the first ``limit`` changed images, each captioned with its change
    (the new version's pixels, or the old one's for a removed image)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = diff.changes.head(limit)
    wanted = set(rows["image"])
    pixels = {**old.pixels(wanted), **new.pixels(wanted)}
    count = max(len(rows), 1)
    columns = min(10, count)
    lines = -(-count // columns)
    figure, axes = plt.subplots(lines, columns, figsize=(1.3 * columns, 1.6 * lines), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, row in zip(axes.flat, rows.to_dict(orient="records"), strict=False):
        axis.imshow(pixels[row["image"]], cmap="gray", vmin=0, vmax=255)
        axis.set_title(change_caption(row), fontsize=6)
    shown = f"the first {len(rows)} of {len(diff.changes)}" if len(diff.changes) > limit else "all"
    figure.suptitle(f"changed images: {shown}", fontsize=8)
    figure.tight_layout()
    return figure


def load_version(split_dir: str, rev: str | None) -> DataVersion:
    """The data version at git revision or experiment ``rev`` (None: the workspace): the split
    stage's arrays read through DVC (its cache, else the remote), without a checkout."""
    import io
    import json

    from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
    from fmnist.data.split_files import CLASSES_FILE
    from fmnist.dvc_adapter import DvcError, read_at_rev

    arrays = {}
    for name in SPLITS:
        data = read_at_rev(f"{split_dir}/{name}.npz", rev, mode="rb")
        with np.load(io.BytesIO(data)) as npz:
            arrays[name] = (npz["images"], npz["labels"])
    try:
        classes = tuple(json.loads(read_at_rev(f"{split_dir}/{CLASSES_FILE}", rev)))
    except DvcError as exc:
        if "does not exist" not in exc.reason and "not in the workspace" not in exc.reason:
            raise
        classes = FASHION_MNIST_CLASSES  # a split made before classes.json: Fashion-MNIST's
    return DataVersion.from_arrays(arrays, classes)


def split_is_stale(split_stage: str = SPLIT_STAGE) -> bool:
    """Whether ``dvc status`` says the split stage is out of date in the workspace: its data
    (``data.path``), params or code changed since it last ran. False where dvc.yaml has no such
    stage."""
    from fmnist.dvc_adapter import DvcError, dvc_json

    try:
        return split_stage in (dvc_json(["status", split_stage]) or {})
    except DvcError:  # no such stage here (a repo that tracks its split with dvc add)
        return False


def pending_version(params_path: str = "params.yaml") -> DataVersion:
    """The data version the split stage would write now, from params.yaml and the data at
    ``data.path`` as they are in the workspace (bad data is the split stage's own error)."""
    from fmnist.data.split import split_arrays, split_dataset
    from fmnist.params import load_params

    data, split, _ = split_dataset(load_params(params_path))
    return DataVersion.from_arrays(split_arrays(data, split), data.classes)


def split_digest(rev: str | None, split_dir: str = SPLIT_DIR) -> str | None:
    """The hash dvc.lock records for the split stage's output at ``rev`` (None: the workspace's
    dvc.lock), or None when there is none: equal digests, the same data."""
    import yaml

    from fmnist.dvc_adapter import DvcError, read_at_rev

    try:
        lock = yaml.safe_load(read_at_rev("dvc.lock", rev)) or {}
    except DvcError:
        return None
    outs = lock.get("stages", {}).get(SPLIT_STAGE, {}).get("outs", [])
    return next((out.get("md5") for out in outs if out.get("path") == split_dir), None)


def data_changes(baseline: str, current: str | None = None) -> DataDiff | None:
    """What changed in the data from ``baseline`` to ``current`` (None: the workspace), or None
    when dvc.lock records the same split at both, or no split at either (nothing is read then).
    A version that cannot be read raises :class:`~fmnist.dvc_adapter.DvcError`."""
    old_digest, new_digest = split_digest(baseline), split_digest(current)
    if old_digest is None or new_digest is None or old_digest == new_digest:
        return None
    return diff_versions(load_version(SPLIT_DIR, baseline), load_version(SPLIT_DIR, current))


def changed_test_images(diff: DataDiff | None) -> int:
    """How many test images were added, removed, relabelled or moved in or out of test."""
    if diff is None:
        return 0
    rows = diff.changes
    return int(((rows["old_split"] == "test") | (rows["new_split"] == "test")).sum())
