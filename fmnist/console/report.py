"""``fmnist report``: the study report, from experiments or from the snapshot beside it.

Reads the experiments with `dvc exp show --json` (the baseline commit and its experiments; more
commits with ``-n``/``--all-commits``) and the per-image predictions of each run with
``dvc.api.open``; writes ``<out>/study.md`` with its figures, and the snapshot of what it read
(``runs.csv``, ``predictions.npz``, ``study.json``: :mod:`fmnist.report.snapshot`). With
``--from DIR`` it reads that snapshot instead, so a clone without the experiments makes the
same page. Nothing is written when there is nothing to report.

    dvc exp run --queue -S 'cnn.conv_layers=1,2,3' -S 'cnn.dropout=0.2,0.5' -S 'cnn.seed=42,1'
    dvc queue start        # then wait until `dvc queue status` shows nothing Queued or Running
    fmnist report
    fmnist report --from reports       # the committed page, made again from its snapshot
"""

from __future__ import annotations

import argparse
import logging

DEFAULT_SWEEP = ("cnn.conv_layers", "cnn.dropout")
DEFAULT_GRID = ("cnn.batch_size", "cnn.learning_rate")
HELP = "the study report: claims, sweep, grid, SVM, data versions, searches (reports/study.md)"
log = logging.getLogger("fmnist.report")


def pair(text: str) -> tuple[str, str]:
    rows, sep, columns = text.partition(",")
    if not sep or not rows or not columns or "," in columns:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ROWS_KEY,COLUMNS_KEY")
    return rows, columns


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rev", action="append", default=[], help="baseline commit (HEAD)")
    parser.add_argument("-n", "--num", type=int, default=1, help="commits back from each --rev")
    parser.add_argument("-A", "--all-commits", action="store_true", help="every commit")
    parser.add_argument("--from", dest="source", default=None, help="a report's snapshot dir")
    parser.add_argument("--out", default="reports", help="output directory")
    parser.add_argument(
        "--sweep",
        type=pair,
        default=DEFAULT_SWEEP,
        metavar="ROWS,COLUMNS",
        help="the study's sweep: table and figure (default cnn.conv_layers,cnn.dropout)",
    )
    parser.add_argument(
        "--grid",
        type=pair,
        action="append",
        default=None,
        metavar="ROWS,COLUMNS",
        help="a grid shown as a heatmap (default cnn.batch_size,cnn.learning_rate); repeatable",
    )
    parser.add_argument(
        "--search", action="append", default=[], metavar="STUDY", help="add a search's section"
    )
    parser.add_argument("--storage", default=None, help="the searches' study database URL")
    parser.add_argument("--metric", default=None, help="the searches' metric (params.yaml's)")


def remake_command(args: argparse.Namespace) -> str:
    """The command that makes this page again from the snapshot in ``--out``."""
    import shlex

    words = ["fmnist", "report", "--from", args.out]
    if args.out != "reports":
        words += ["--out", args.out]
    if tuple(args.sweep) != DEFAULT_SWEEP:
        words += ["--sweep", ",".join(args.sweep)]
    if [tuple(grid) for grid in args.grid] != [DEFAULT_GRID]:
        for grid in args.grid:
            words += ["--grid", ",".join(grid)]
    for name in args.search:
        words += ["--search", name]
    if args.storage:
        words += ["--storage", args.storage]
    if args.search:
        words += ["--metric", args.metric]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    import datetime
    from pathlib import Path

    import fmnist.report as seed_study
    from fmnist.files import atomic_path
    from fmnist.models.kinds import MODELS
    from fmnist.report.experiments import (
        Predictions,
        load_search,
        read_experiments,
        read_predictions,
        search_section,
    )
    from fmnist.report.figures import DPI
    from fmnist.report.page import Made, Search, build_page
    from fmnist.report.snapshot import config_from_json, config_json, load_snapshot, save_snapshot

    args.grid = args.grid or [DEFAULT_GRID]
    if args.search and args.metric is None:
        from fmnist.params import load_params

        args.metric = load_params().search.metric
    searches = [load_search(name, args.storage) for name in args.search]  # fail before work
    out = Path(args.out)

    if args.source is not None:
        runs, meta, read = load_snapshot(Path(args.source))
        references = {m: config_from_json(c) for m, c in meta["references"].items()}
        selection, skipped = meta["selection"], meta["skipped"]
    else:
        exps = read_experiments(args.rev, args.num, args.all_commits)
        runs, skipped, params = seed_study.collect_runs(exps)
        for line in skipped:
            log.info("skipped %s", line)
        references = {key: seed_study.model_config(params, key)[0] for key in MODELS}
        read = read_predictions
        selection = (
            "all commits"
            if args.all_commits
            else (
                f"the experiments of {', '.join(args.rev) or 'HEAD'}"
                + (f" and {args.num - 1} commits before" if args.num > 1 else "")
            )
        ) + f" on {datetime.date.today().isoformat()}"
    predictions = Predictions(runs, read)
    ran_on = runs.loc[runs["ran_on"] != "", "ran_on"].value_counts()
    machine = (
        "CNN runs trained with "
        + ("; ".join(f"{where} ({count} runs)" for where, count in ran_on.items()) or "unrecorded")
        + "."
    )
    sections = [
        Search(search.study_name, *search_section(search, args.metric)) for search in searches
    ]
    page = build_page(
        runs,
        references,
        predictions,
        Made(remake_command(args), selection, machine, skipped),
        args.sweep,
        args.grid,
        sections,
    )
    every = predictions.every_run()  # all read before anything is written
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "references": {model: config_json(config) for model, config in references.items()},
        "selection": selection,
        "skipped": list(skipped),
    }
    save_snapshot(out, runs, every, meta)
    for name, figure in page.figures.items():
        with atomic_path(out / name) as tmp:
            figure.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None})
    with atomic_path(out / "study.md") as tmp:
        tmp.write_text(page.markdown)
    print(page.markdown, end="")
    return 0
