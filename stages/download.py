"""download stage: fetch the four original Fashion-MNIST files and verify them.

Sources (``download.sources`` in params.yaml) are tried in order for each file: a local
directory (Debian's ``dataset-fashion-mnist``) or an http(s) URL prefix; see
:mod:`fmnist.data.download`. The output directory appears only once all four files are verified.
With ``data.source`` other than fashion-mnist nothing is fetched: the output holds a note
saying so, and split reads ``data.path`` instead.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from fmnist.data.download import download
from fmnist.errors import ParamsError
from fmnist.files import atomic_path
from fmnist.params import load_params
from fmnist.stage_runner import run_stage

NOTE = "NOT_DOWNLOADED.txt"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", required=True, help="directory for the four .gz files")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    if params.data.source == "fashion-mnist":
        download(params.download.sources, args.out, params.download.timeout_s)
        return
    if Path(params.data.path).resolve() == Path(args.out).resolve():
        raise ParamsError(
            f"data.path = {params.data.path!r} is not allowed for data.source "
            f"{params.data.source!r}; it is the download stage's output: put your data elsewhere"
        )
    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        (tmp / NOTE).write_text(
            f"data.source is {params.data.source!r}: the split stage reads {params.data.path}; "
            "nothing was downloaded.\n"
        )


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
