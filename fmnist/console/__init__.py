"""``fmnist``: the project's one command for people (installed with the package).

    fmnist predict shoe.jpg photos/ --model both     classify your own images
    fmnist search --space lr_batch_grid              hyperparameter search, trials as DVC experiments
    fmnist report                                    the study report (reports/study.md)
    fmnist gate [BASELINE]                           the accuracy gate: exit 1 on a regression
    fmnist ci-report [BASELINE]                      the CI report (build/ci-report/report.md)
    fmnist data diff [OLD [NEW]]                     what changed in the data, image by image
    fmnist data pack SRC DEST / add DEST SRC / unpack    the packed layout for large datasets
    fmnist review                                    decide the audit's findings on a page
    fmnist --version

One module per sub-command (``add_arguments``, ``run``, ``HELP``); each imports what its work
needs only when it runs, so ``fmnist --help`` and ``--version`` answer at once. The pipeline's
stages run through ``dvc repro``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from fmnist.stage_runner import run_stage

DISTRIBUTION = "fmnist-dvc"
# sub-command -> its module in this package
COMMANDS = {
    "predict": "predict",
    "search": "search",
    "report": "report",
    "gate": "gate",
    "ci-report": "ci_report",
    "data": "data",
    "review": "review",
}


def version_line() -> str:
    """``fmnist <version> (Python <x.y.z>)``; the version of the installed distribution."""
    try:
        installed = version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        installed = "unknown (not installed)"
    return f"fmnist {installed} (Python {sys.version.split()[0]})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fmnist",
        description="fmnist-dvc for people: classify your images with the trained models, "
        "search hyperparameters with DVC experiments as trials, report the study, gate and "
        "report a CI run. The pipeline itself runs with `dvc repro`.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"{__name__}.{module_name}")
        sub = commands.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", None) or module.__doc__.split("\n\n")[0],
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv[argv.index(args.command) + 1 :]  # the sub-command's own arguments
    return run_stage(lambda _argv: args.run(args), None)


if __name__ == "__main__":
    raise SystemExit(main())
