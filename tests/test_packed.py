"""The packed layout: shards named by content and a table of what people edit. Packing is
deterministic, growing it leaves old shards byte-identical, a relabel is the table alone, the
split is the folder's for the same pictures, unpacking gives the prepared pixels back exactly,
and each kind of damage is one line naming the file (benchmarks/packed.py times it at scale)."""

import json

import numpy as np
import pandas as pd
import pytest

from fmnist.console import main as fmnist
from fmnist.data.packed import append, pack, read_packed, unpack
from fmnist.data.packed import shards as shard_files
from fmnist.data.split_files import load_prepared, load_split
from fmnist.errors import DataError
from fmnist.pictures.prepare import PrepareSpec
from fmnist.stage_runner import run_stage
from stages import split as split_stage
from tests.helpers import read_data, split_args
from tests.test_data_sources import write_folder

SPEC = PrepareSpec("fashion-mnist", "auto")


def folder_and_packed(tmp_path, **counts):
    own = tmp_path / "own"
    write_folder(own / "train", counts or {"bag": 12, "hat": 12, "sock": 12})
    write_folder(own / "test", counts or {"bag": 4, "hat": 4, "sock": 4}, start=500)
    assert fmnist(["data", "pack", str(own), str(tmp_path / "packed")]) == 0
    return own, tmp_path / "packed"


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_packing_keeps_every_picture_and_is_the_same_bytes_each_time(tmp_path, capsys):
    own, packed = folder_and_packed(tmp_path)
    assert capsys.readouterr().out.startswith("packed 48 pictures (48 contents) into 1 shard(s)")
    folder, back = read_data("folder", own), read_packed(packed)
    order = np.argsort(back.names)
    assert back.classes == folder.classes == ("bag", "hat", "sock")
    assert np.array_equal(back.images[order], folder.images[np.argsort(folder.names)])
    assert back.labels[order].tolist() == folder.labels[np.argsort(folder.names)].tolist()
    assert sorted(back.origins) == sorted(folder.origins)
    (name,) = json.loads((packed / "packed.json").read_text())["shards"]
    assert name == shard_files.content_name((packed / "shards" / name).read_bytes())
    assert fmnist(["data", "pack", str(own), str(tmp_path / "again")]) == 0
    assert snapshot(tmp_path / "again") == snapshot(packed)


def test_adding_pictures_writes_one_new_shard_and_leaves_the_old_ones(tmp_path, capsys):
    _, packed = folder_and_packed(tmp_path)
    before = snapshot(packed / "shards")
    more = tmp_path / "more"
    write_folder(more / "train", {"bag": 3, "cap": 3}, start=900)  # a new class, cap
    write_folder(more / "test", {"bag": 1, "cap": 1}, start=950)
    capsys.readouterr()
    assert fmnist(["data", "add", str(packed), str(more)]) == 0
    assert "8 new contents" in capsys.readouterr().out
    after = snapshot(packed / "shards")
    assert {k: after[k] for k in before} == before and len(after) == len(before) + 1
    grown = read_packed(packed)
    assert len(grown) == 56 and grown.classes == ("bag", "hat", "sock", "cap")
    assert np.bincount(grown.labels).tolist() == [20, 16, 16, 4]
    # the same pictures again: rows, but no new content and no new shard
    assert append(packed, read_data("folder", more))[0] == 0
    assert snapshot(packed / "shards") == after


def test_a_relabel_is_the_table_alone_and_the_split_is_the_folders(tmp_path, params_file):
    own, packed = folder_and_packed(tmp_path)
    splits = {}
    for source, path in (("folder", own), ("packed", packed)):
        params = params_file(data={"source": source, "path": str(path), "classes": []})
        out = tmp_path / source
        assert run_stage(split_stage.main, split_args(params, out)) == 0
        splits[source] = {
            name: sorted(map(bytes, load_split(out / "split", name)[0])) for name in ("train", "val")
        }
        assert load_prepared(out / "split") == SPEC.to_record()
    assert splits["packed"] == splits["folder"]  # the same images in each split
    shards = snapshot(packed / "shards")
    first = read_packed(packed).labels[0]
    edit_table(packed, 0, "label", "sock" if first != 2 else "hat")
    relabelled = read_packed(packed)
    assert relabelled.labels[0] == (2 if first != 2 else 1)
    assert snapshot(packed / "shards") == shards


def test_unpacking_gives_the_prepared_pixels_back_exactly(tmp_path):
    _, packed = folder_and_packed(tmp_path)
    assert fmnist(["data", "unpack", str(packed), str(tmp_path / "folder")]) == 0
    back = read_data("folder", tmp_path / "folder", prepare="stretch", invert="no")
    data = read_packed(packed)
    key = lambda d: sorted(zip(d.ids, d.labels.tolist(), d.origins, strict=True))  # noqa: E731
    assert key(back) == key(data)


def edit_table(packed, row, column, value):
    table = pd.read_csv(packed / "images.csv", dtype=str, keep_default_na=False)
    table.loc[row, column] = value
    table.to_csv(packed / "images.csv", index=False)


def damage(packed, kind):
    manifest = json.loads((packed / "packed.json").read_text())
    (name,) = manifest["shards"]
    shard = packed / "shards" / name
    if kind == "truncated":
        shard.write_bytes(shard.read_bytes()[:-100])
    elif kind == "altered":
        data = bytearray(shard.read_bytes())
        data[-1] ^= 1
        shard.write_bytes(bytes(data))
    elif kind == "listed twice":
        manifest["shards"] = [name, name]
        (packed / "packed.json").write_text(json.dumps(manifest))
    elif kind == "in no shard":
        edit_table(packed, 3, "image", "0123456789abcdef")
    elif kind == "in two shards":
        images = np.load(shard)
        (extra,) = shard_files.write_shards(images[:2], packed / "shards")
        manifest["shards"] = [name, extra]
        (packed / "packed.json").write_text(json.dumps(manifest))
    elif kind == "unknown label":
        edit_table(packed, 5, "label", "scarf")
    return shard


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", r"shards/[0-9a-f]{32}\.npy: shard damaged \(its content no longer matches"),
        ("altered", r"shards/[0-9a-f]{32}\.npy: shard damaged"),
        ("listed twice", r"packed\.json: shard [0-9a-f]{32}\.npy is listed twice$"),
        ("in no shard", r"images\.csv: row 5 \(.*own/.*\): image 0123456789abcdef is in no shard$"),
        ("in two shards", r"shards: image [0-9a-f]{16} is in more than one shard \(.*, .*\)$"),
        ("unknown label", r"images\.csv: row 7 \(.*\): label 'scarf' is not one of \['bag', "),
    ],
)
def test_damage_is_one_line_naming_the_file_and_nothing_is_split(
    tmp_path, params_file, capsys, kind, message
):
    _, packed = folder_and_packed(tmp_path)
    damage(packed, kind)
    with pytest.raises(DataError, match=message) as error:
        read_packed(packed)
    assert "\n" not in str(error.value)
    params = params_file(data={"source": "packed", "path": str(packed), "classes": []})
    assert run_stage(split_stage.main, split_args(params, tmp_path / "out")) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {error.value}"]
    assert not (tmp_path / "out" / "split").exists()


def test_shards_hold_each_content_once_in_content_order(tmp_path, monkeypatch):
    """At most SHARD_IMAGES per shard, contents in id order: the same contents give the same
    shards whatever order, and however many times, they came in."""
    from fmnist.data.dataset import Dataset

    monkeypatch.setattr(shard_files, "SHARD_IMAGES", 10)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (25, 28, 28), dtype=np.uint8)

    def dataset(order):
        return Dataset(
            images[order], order % 2, ("x", "y"), np.full(len(order), "pool", dtype=object),
            np.array([f"p{i}" for i in order], dtype=object),
        )  # fmt: skip

    pack(dataset(np.arange(25)), tmp_path / "one", SPEC)
    pack(dataset(np.concatenate([rng.permutation(25), [3, 7]])), tmp_path / "two", SPEC)
    one = snapshot(tmp_path / "one" / "shards")
    assert one == snapshot(tmp_path / "two" / "shards") and len(one) == 3  # 10 + 10 + 5
    assert [len(np.load(tmp_path / "one" / "shards" / name)) for name in one] != []
    assert len(read_packed(tmp_path / "two")) == 27  # two pictures twice: rows, one content
    assert unpack(tmp_path / "one", tmp_path / "folder") == 25
