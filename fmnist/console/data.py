"""``fmnist data diff``: what changed between two data versions, image by image.

    fmnist data diff [OLD [NEW]] [--json] [--sheet changed.png]

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

HELP = "what changed between two data versions, image by image"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    diff = actions.add_parser("diff", help=HELP, description=__doc__.split("\n\n")[0])
    diff.add_argument("old", nargs="?", default="HEAD", help="git revision or exp (default HEAD)")
    diff.add_argument("new", nargs="?", default=None, help="revision (default: the workspace)")
    diff.add_argument("--split-dir", default="data/split", help="the split stage's output")
    diff.add_argument("--json", action="store_true", help="the whole diff as JSON on stdout")
    diff.add_argument("--sheet", type=Path, help="PNG of the changed images (the first --limit)")
    diff.add_argument("--limit", type=int, default=100, help="images on the sheet and listed")


def run(args: argparse.Namespace) -> int:
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
