"""Pack a dataset, grow it, read it back checked, and unpack it into a folder of pictures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.data.content import image_ids
from fmnist.data.dataset import ORIGINS, Dataset
from fmnist.data.packed.shards import read_shard, write_shards
from fmnist.errors import DataError
from fmnist.files import atomic_path
from fmnist.pictures.pixels import IMAGE_SHAPE
from fmnist.pictures.prepare import PrepareSpec

MANIFEST = "packed.json"
TABLE = "images.csv"
SHARDS = "shards"
COLUMNS = ["image", "label", "origin", "source"]
FORMAT = 1


def _table(data: Dataset) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "image": data.ids,
            "label": np.asarray(data.classes, dtype=object)[data.labels],
            "origin": data.origins,
            "source": data.names,
        },
        columns=COLUMNS,
    )


def _new_contents(data: Dataset, packed: np.ndarray) -> np.ndarray:
    """The images of ``data`` whose content id is not in ``packed``, each once, by content id."""
    ids, first = np.unique(data.ids.astype(str), return_index=True)
    return data.images[first[~np.isin(ids, packed)]]


def _write_manifest(folder: Path, classes: list[str], shards: list[str], spec: PrepareSpec) -> None:
    manifest = {
        "format": FORMAT,
        "classes": classes,
        "image_shape": list(IMAGE_SHAPE),
        "prepared": spec.to_record(),
        "shards": shards,
    }
    partial = folder / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(partial, folder / MANIFEST)


def _write_table(folder: Path, table: pd.DataFrame) -> None:
    partial = folder / f".{TABLE}.partial"
    table.to_csv(partial, index=False, lineterminator="\n")
    os.replace(partial, folder / TABLE)


def pack(data: Dataset, dest: Path, spec: PrepareSpec) -> None:
    """``data`` (its pictures prepared by ``spec``) as the packed dataset ``dest``, replacing
    whatever was there, all at once."""
    with atomic_path(dest) as tmp:
        tmp.mkdir()
        shards = write_shards(_new_contents(data, np.array([], dtype=str)), tmp / SHARDS)
        _write_table(tmp, _table(data))
        _write_manifest(tmp, list(data.classes), shards, spec)


def append(dest: Path, data: Dataset) -> tuple[int, list[str]]:
    """Adds the pictures of ``data`` to the packed dataset ``dest``: their contents not packed
    yet as new shards, their rows at the end of the table, classes not known yet after the
    others. Existing shards are not touched. Returns the new contents' count and new shards."""
    manifest = read_manifest(dest)
    _, packed = _shard_ids(dest, manifest)
    classes = list(manifest["classes"])
    classes += [name for name in data.classes if name not in classes]
    new = _new_contents(data, packed)
    shards = write_shards(new, dest / SHARDS)
    table = pd.concat([read_table(dest, classes), _table(data)], ignore_index=True)
    # in this order, each step on disk before the next names it: the new shards, the manifest
    # that lists them (contents no row names yet are harmless), then the rows
    spec = PrepareSpec.from_record(manifest["prepared"])
    _write_manifest(dest, classes, list(manifest["shards"]) + shards, spec)
    _write_table(dest, table)
    return len(new), shards


def read_manifest(root: Path) -> dict:
    path = root / MANIFEST
    if not path.is_file():
        raise DataError(f"{path}: not found (a packed dataset: `fmnist data pack SRC {root}`)")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not JSON ({exc})") from None
    missing = [k for k in ("format", "classes", "prepared", "shards") if k not in manifest]
    if missing or manifest["format"] != FORMAT:
        raise DataError(f"{path}: not a packed dataset of format {FORMAT} (missing {missing})")
    seen: set[str] = set()
    for name in manifest["shards"]:
        if name in seen:
            raise DataError(f"{path}: shard {name} is listed twice")
        seen.add(name)
    return manifest


def read_table(root: Path, classes: list[str]) -> pd.DataFrame:
    """The table, checked: its columns, every label a class, every origin known."""
    path = root / TABLE
    if not path.is_file():
        raise DataError(f"{path}: not found")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns) != COLUMNS:
        raise DataError(f"{path}: columns {list(table.columns)}, expected {COLUMNS}")
    for column, allowed in (("label", classes), ("origin", ORIGINS)):
        bad = ~table[column].isin(allowed)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{path}: row {row + 2} ({table['source'].iloc[row]}): {column} "
                f"{table[column].iloc[row]!r} is not one of {list(allowed)}"
            )
    return table


def _shard_ids(root: Path, manifest: dict) -> tuple[np.ndarray, np.ndarray]:
    """Every shard's images, in order, checked, and their content ids (each content once)."""
    shape = tuple(manifest.get("image_shape", (28, 28)))
    parts = [read_shard(root / SHARDS / name, shape) for name in manifest["shards"]]
    images = np.concatenate(parts) if parts else np.zeros((0, *shape), np.uint8)
    ids = image_ids(images).astype(str)
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        twice = unique[counts > 1][0]
        where = np.repeat(manifest["shards"], [len(p) for p in parts])[ids == twice]
        raise DataError(
            f"{root / SHARDS}: image {twice} is in more than one shard ({', '.join(where)})"
        )
    return images, ids


def read_packed(root: Path) -> Dataset:
    """The packed dataset at ``root``, every shard and row checked (one line naming the file)."""
    manifest = read_manifest(root)
    classes = list(manifest["classes"])
    table = read_table(root, classes)
    images, ids = _shard_ids(root, manifest)
    at = pd.Index(ids).get_indexer(table["image"])
    if (at < 0).any():
        row = int(np.flatnonzero(at < 0)[0])
        raise DataError(
            f"{root / TABLE}: row {row + 2} ({table['source'].iloc[row]}): image "
            f"{table['image'].iloc[row]} is in no shard"
        )
    return Dataset(
        images=images[at],
        labels=pd.Index(classes).get_indexer(table["label"]).astype(np.int64),
        classes=tuple(classes),
        origins=table["origin"].to_numpy(dtype=object),
        names=table["source"].to_numpy(dtype=object),
    )


def preparation(root: Path) -> PrepareSpec:
    """How the packed pictures were prepared, as ``fmnist data pack`` recorded it."""
    return PrepareSpec.from_record(read_manifest(root)["prepared"])


def unpack(root: Path, dest: Path) -> int:
    """The packed dataset at ``root`` as a folder of class sub-folders of PNGs (``train/`` and
    ``test/`` apart when it says so), each named by its content id and holding its prepared
    pixels exactly: ``data.prepare: stretch`` with ``data.invert: no`` reads them back
    unchanged. Returns the number of pictures written."""
    from PIL import Image

    data = read_packed(root)
    origins = set(data.origins)
    if "pool" in origins and len(origins) > 1:
        raise DataError(
            f"{root / TABLE}: pool and train/test rows mixed; a folder holds one or the other"
        )
    bad = [name for name in data.classes if "/" in name or name.startswith(".") or not name]
    if bad:
        raise DataError(f"{root / MANIFEST}: class {bad[0]!r} cannot be a folder name")
    with atomic_path(dest) as tmp:
        for image, label, origin, content in zip(
            data.images, data.labels, data.origins, data.ids, strict=True
        ):
            folder = tmp / ("" if origin == "pool" else origin) / data.classes[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{content}.png")
    return len(data)
