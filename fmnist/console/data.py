"""``fmnist data``: what changed between two data versions, and the packed layout.

    fmnist data diff [OLD [NEW]] [--json] [--sheet changed.png]
    fmnist data pack SRC DEST [--source folder|csv|idx] [--prepare ...] [--invert ...]
    fmnist data add DEST SRC... [--source folder|csv|idx]
    fmnist data unpack PACKED DEST

``pack`` reads SRC as ``data.source`` would (a folder of class sub-folders, Kaggle CSVs or IDX
files), prepares its pictures and writes DEST in the packed layout (:mod:`fmnist.data.packed`:
shards of pixels named by content, a table of labels and origins); train on it with
``data.source: packed``. ``add`` grows a packed dataset in place: new shards for the new
contents only. ``unpack`` writes a packed dataset back as a folder of PNGs with its prepared
pixels exactly. docs/data.md says when to pack.

``diff``:
OLD and NEW are git revisions or DVC experiment names (default: HEAD against the workspace).
Each version's split arrays (``data/split/{train,val,test}.npz``, the split stage's output) are
read through DVC, from its cache or the remote, without a checkout. When the workspace's data,
params or split code changed since the split stage last ran (``dvc status`` says so), the
workspace version is the one the split stage would write now, computed in memory. Images are
known by their pixels, so an image that only moved in the arrays (or a renamed file) is
unchanged; for each one that differs the command says whether it was added, removed,
relabelled or moved between splits, with counts per split and per class, and can draw the
changed images (old label -> new label).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmnist.data.dataset import Dataset
    from fmnist.pictures.prepare import PrepareSpec

HELP = "what changed in the data, image by image; the packed layout (pack, add, unpack)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    diff = actions.add_parser("diff", help=HELP, description=__doc__.split("\n\n")[0])
    diff.add_argument("old", nargs="?", default="HEAD", help="git revision or exp (default HEAD)")
    diff.add_argument("new", nargs="?", default=None, help="revision (default: the workspace)")
    diff.add_argument("--split-dir", default="data/split", help="the split stage's output")
    diff.add_argument("--json", action="store_true", help="the whole diff as JSON on stdout")
    diff.add_argument("--sheet", type=Path, help="PNG of the changed images (the first --limit)")
    diff.add_argument("--limit", type=int, default=100, help="images on the sheet and listed")
    add_packing(actions)


def add_packing(actions: argparse._SubParsersAction) -> None:
    import typing

    from fmnist.params.schema import Invert, Preparation

    preparations = typing.get_args(Preparation)

    def source_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--source", choices=["folder", "csv", "idx"], default="folder")
        parser.add_argument("--classes", nargs="+", default=[], help="csv, idx: in label order")

    pack = actions.add_parser("pack", help="a dataset into the packed layout")
    pack.add_argument("src", type=Path, help="a folder of class sub-folders, CSVs or IDX files")
    pack.add_argument("dest", type=Path, help="the packed dataset to write (replaced)")
    source_options(pack)
    pack.add_argument("--prepare", choices=list(preparations), default="fashion-mnist")
    pack.add_argument("--invert", choices=list(typing.get_args(Invert)), default="auto")
    add = actions.add_parser("add", help="pictures to a packed dataset, in place")
    add.add_argument("dest", type=Path, help="the packed dataset")
    add.add_argument("src", type=Path, nargs="+", help="datasets to add, read like pack's SRC")
    source_options(add)
    unpack = actions.add_parser("unpack", help="a packed dataset back into a folder of PNGs")
    unpack.add_argument("packed", type=Path)
    unpack.add_argument("dest", type=Path, help="the folder to write (replaced)")


def read_source(path: Path, source: str, classes: list[str], spec: PrepareSpec) -> Dataset:
    """The pictures at ``path`` as ``data.source: <source>`` reads them, prepared by ``spec``."""
    from fmnist.data.sources import read_dataset
    from fmnist.errors import DataError
    from fmnist.params.schema import DataParams

    params = DataParams(source, str(path), classes, spec.how, spec.invert, "refuse", "")
    params.validate()
    data = read_dataset(params)
    if not len(data):
        raise DataError(f"{path}: no pictures")
    return data


def run_packing(args: argparse.Namespace) -> int:
    from fmnist.data.packed import append, pack, unpack
    from fmnist.data.packed.layout import preparation
    from fmnist.pictures.prepare import PrepareSpec

    if args.action == "pack":
        spec = PrepareSpec(args.prepare, args.invert)
        data = read_source(args.src, args.source, args.classes, spec)
        pack(data, args.dest, spec)
        shards = len(list((args.dest / "shards").glob("*.npy")))
        print(f"packed {len(data)} pictures ({len(set(data.ids))} contents) into {shards} "
              f"shard(s): {args.dest}")  # fmt: skip
    elif args.action == "add":
        spec = preparation(args.dest)  # the pictures prepared as the packed ones were
        for src in args.src:
            data = read_source(src, args.source, args.classes, spec)
            new, shards = append(args.dest, data)
            print(f"added {len(data)} pictures from {src}: {new} new contents in "
                  f"{', '.join(shards) or 'no new shard'}; existing shards unchanged")  # fmt: skip
    else:
        count = unpack(args.packed, args.dest)
        print(f"unpacked {count} pictures into {args.dest}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action != "diff":
        return run_packing(args)
    from fmnist.data.versions import (
        contact_sheet,
        diff_versions,
        load_version,
        pending_version,
        split_is_stale,
    )
    from fmnist.errors import DataError
    from fmnist.files import atomic_path
    from fmnist.revisions import resolve_revision

    if args.limit < 1:
        raise DataError(f"--limit: {args.limit} is not >= 1")
    for rev in (args.old, args.new):
        if rev is not None:
            resolve_revision(rev)  # a typo is one error line before anything is read
    old = load_version(args.split_dir, args.old)
    pending = args.new is None and split_is_stale()
    new = pending_version() if pending else load_version(args.split_dir, args.new)
    diff = diff_versions(old, new)
    if args.sheet:
        figure = contact_sheet(diff, old, new, args.limit)
        with atomic_path(args.sheet) as tmp:
            figure.savefig(tmp, format="png", dpi=120)
    if args.json:
        json.dump({**diff.to_json(), "new_is_pending": pending}, sys.stdout, indent=1)
        print()
        return 0
    what = f"{args.old} -> {args.new or 'workspace'}"
    if pending:
        what += " (the split stage is out of date: the version it would write now)"
    counts = ", ".join(f"{n} {change}" for change, n in diff.counts().items() if n)
    print(f"data: {what}: {diff.old_total} -> {diff.new_total} images; {counts or 'no change'}")
    if len(diff.changes):
        print(diff.per_split().to_string())
        print(diff.per_class().to_string())
        print(diff.changes.head(args.limit).fillna("-").to_string(index=False))
    return 0
