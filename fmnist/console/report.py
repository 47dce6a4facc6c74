"""``fmnist report``: experiments aggregated over seeds, compared pairwise, claims checked.

Reads the experiments with `dvc exp show --json` (the baseline commit and its experiments; more
commits with ``-n``/``--all-commits``), the per-image predictions of each run with
``dvc.api.open``, and writes ``<out>/study.md``, ``<out>/runs.csv`` (one row per distinct run)
and ``<out>/accuracy_by_depth.png``. Nothing is written when there is nothing to report.

    dvc exp run --queue -S 'cnn.conv_layers=1,2,3' -S 'cnn.dropout=0.2,0.5' -S 'cnn.seed=42,1'
    dvc queue start        # then wait until `dvc queue status` shows nothing Queued or Running
    fmnist report
"""

from __future__ import annotations

import argparse
import logging

HELP = "the study report: experiments over seeds, paired comparisons, the study's claims"
FIGURE = "accuracy_by_depth.png"
log = logging.getLogger("fmnist.report")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rev", action="append", default=[], help="baseline commit (HEAD)")
    parser.add_argument("-n", "--num", type=int, default=1, help="commits back from each --rev")
    parser.add_argument("-A", "--all-commits", action="store_true", help="every commit")
    parser.add_argument("--out", default="reports", help="output directory")
    parser.add_argument("--x", default="cnn.conv_layers", help="figure: the x axis param")
    parser.add_argument("--hue", default="cnn.dropout", help="figure: one line per value")
    parser.add_argument(
        "--search", action="append", default=[], metavar="STUDY", help="add a search's section"
    )
    parser.add_argument("--storage", default=None, help="the searches' study database URL")


def run(args: argparse.Namespace) -> int:
    import json
    import shlex
    from pathlib import Path

    import pandas as pd

    import fmnist.report as seed_study
    from fmnist.files import atomic_path
    from fmnist.report.experiments import Predictions, load_search, read_experiments, search_section

    searches = [load_search(name, args.storage) for name in args.search]  # fail before work

    exps = read_experiments(args.rev, args.num, args.all_commits)
    runs, skipped, params = seed_study.collect_runs(exps)
    for line in skipped:
        log.info("skipped %s", line)
    references = {
        spec.name: seed_study.model_config(params, spec.name)[0] for spec in seed_study.MODELS
    }
    known = {key for config in references.values() for key, _ in config}
    for option in (args.x, args.hue):
        if option not in known:
            raise seed_study.ReportError(
                f"--x/--hue {option!r} is not a param; known: {sorted(known)}"
            )
    groups = seed_study.aggregate(runs)
    predictions = Predictions(runs)
    comparisons = seed_study.comparisons_table(groups, references, predictions.compare)
    test_images = int(runs["test_images"].max())
    claims = seed_study.claims_table(
        seed_study.CLAIMS, groups, references, predictions.compare, test_images
    )
    claims = pd.concat([claims, pd.DataFrame([seed_study.speed_claim(groups, references)])])
    figure = seed_study.accuracy_figure(runs, groups, "cnn", args.x, args.hue, references["cnn"])
    ran_on = runs.loc[runs["ran_on"] != "", "ran_on"].value_counts()
    machine = (
        "CNN runs trained with "
        + ("; ".join(f"{where} ({count} runs)" for where, count in ran_on.items()) or "unrecorded")
        + "."
    )
    selection = (
        "all commits"
        if args.all_commits
        else (
            f"the experiments of {', '.join(args.rev) or 'HEAD'}"
            + (f" and {args.num - 1} commits before" if args.num > 1 else "")
        )
    )
    figures = {f"Test accuracy against {args.x}, a line per {args.hue}": FIGURE} if figure else {}
    text = seed_study.render_markdown(
        title="The study, measured: seeds, sweep and claims",
        command="fmnist report " + shlex.join(args.argv),
        selection=selection,
        machine=machine,
        groups=groups,
        comparisons=comparisons,
        claims=claims,
        skipped=skipped,
        figures=figures,
        cpu_minutes=(runs.groupby("model", sort=False)["train_seconds"].sum() / 60).to_dict(),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = runs.assign(config=runs["config"].map(lambda c: json.dumps(dict(c), default=str)))
    with atomic_path(out / "runs.csv") as tmp:
        table.to_csv(tmp, index=False)
    if figure is not None:
        with atomic_path(out / FIGURE) as tmp:
            figure.savefig(tmp, dpi=100, format="png")
    for search, (section, history) in zip(searches, map(search_section, searches), strict=True):
        text += "\n" + section
        if history is not None:
            with atomic_path(out / f"search_{search.study_name}.png") as tmp:
                history.savefig(tmp, dpi=100, format="png")
    with atomic_path(out / "study.md") as tmp:
        tmp.write_text(text)
    print(text)
    return 0
