"""download stage: fetch the four original Fashion-MNIST files and verify them.

Sources (``download.sources`` in params.yaml) are tried in order for each file: a local
directory (Debian's ``dataset-fashion-mnist``) or an http(s) URL prefix; see
:mod:`fmnist.data.download`. The output directory appears only once all four files are verified.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fmnist.data.download import download
from fmnist.params import load_params
from fmnist.stage_runner import run_stage


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", required=True, help="directory for the four .gz files")
    args = parser.parse_args(argv)
    params = load_params(args.params).download
    download(params.sources, args.out, params.timeout_s)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
