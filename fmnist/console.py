"""``fmnist``: the project's command for people (installed by ``pip install -e .``).

    fmnist predict shoe.jpg photos/ t10k-images-idx3-ubyte.gz --model both --top-k 3

Sub-commands:
  predict   classify your own images (files, folders, IDX, .npz) with the trained models
  search    an Optuna hyperparameter search whose trials are DVC experiments

The pipeline's stages run through ``dvc repro``; the gate and the study report are
``python -m commands.gate`` and ``python -m commands.report`` from the project root.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from fmnist.cli import run_stage
from fmnist.errors import DataError
from fmnist.files import atomic_path
from fmnist.inference.images import INVERT_CHOICES
from fmnist.models.hardware import detect_hardware, use_onednn_where_it_helps

log = logging.getLogger("fmnist")
SOME_SKIPPED_EXIT = 1  # results written for the readable inputs; a line on stderr for each other


def predict_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        help="image files (PNG, JPEG, anything Pillow reads), folders of them (recursive), "
        "IDX files (.gz or not), .npz files with an 'images' array",
    )
    parser.add_argument(
        "--model",
        choices=("cnn", "svm", "both"),
        default="cnn",
        help="cnn (default): scores are softmax probabilities; svm: scores are the SVC's "
        "one-vs-rest votes (duels won, 0-9, plus a confidence in (-1/3, 1/3)), not probabilities",
    )
    parser.add_argument("--top-k", type=int, default=3, help="labels per image (1-10, default 3)")
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="csv (default): one row per "
        "image and model; json: a list of the same rows, each with its top labels as a list",
    )
    parser.add_argument("--out", help="write here (atomically) instead of stdout")
    parser.add_argument(
        "--invert",
        choices=INVERT_CHOICES,
        default="auto",
        help="make the item light on dark like Fashion-MNIST; auto: when the border is light",
    )
    parser.add_argument(
        "--rev",
        help="use the models of this git revision or DVC experiment (read through DVC's cache "
        "or remote) instead of the workspace's",
    )


def predict(args: argparse.Namespace) -> int:
    """Classify the inputs; exit 0, or 1 when some inputs were skipped (each said on stderr)."""
    from fmnist.inference.inputs import expand, read_all

    if not 1 <= args.top_k <= 10:
        raise DataError(f"--top-k: {args.top_k} is not between 1 and 10")
    files, skipped = expand(args.inputs)
    items = []
    for result in read_all(files, args.invert):
        if isinstance(result, Exception):
            skipped.append(result)
        else:
            items.extend(result)
    for problem in skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    if not items:
        raise DataError("no image to classify: every input was skipped")

    # the CPU kernels are chosen before TensorFlow loads
    use_onednn_where_it_helps(detect_hardware())
    from fmnist.inference.classifiers import load_scorers
    from fmnist.inference.predict import as_records, predictions_table

    models = ["cnn", "svm"] if args.model == "both" else [args.model]
    table = predictions_table(items, load_scorers(models, args.rev), args.top_k)
    if args.format == "csv":
        text = table.to_csv(index=False)
    else:
        import json

        text = json.dumps(as_records(table), indent=2) + "\n"
    if args.out:
        with atomic_path(args.out) as tmp:
            tmp.write_text(text)
    else:
        sys.stdout.write(text)
    inverted = int(table.loc[table["model"] == models[0], "inverted"].sum())
    log.info(
        "%d images classified, %d inverted, %d inputs skipped", len(items), inverted, len(skipped)
    )
    return SOME_SKIPPED_EXIT if skipped else 0


def search_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--space", default="default", help="a space of params.yaml's search.spaces")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--study", help="study name to start or continue (default: SPACE-<commit>)")
    who.add_argument("--join", metavar="STUDY", help="join this existing study as one more worker")
    parser.add_argument(
        "--storage",
        default=None,
        help="SQLAlchemy URL of the study database, e.g. postgresql://user@host/db for workers "
        "on many machines (default: sqlite:///.optuna/search.db, one machine, one worker)",
    )
    parser.add_argument("--trials", type=int, help="complete trials wanted (default: the space's)")
    parser.add_argument("--heartbeat", type=int, default=30, help="seconds between heartbeats")
    parser.add_argument(
        "--grace", type=int, default=120, help="seconds without a heartbeat before a trial is failed"
    )
    parser.add_argument("--no-push", action="store_true", help="do not push the experiments")
    parser.add_argument("--params", default="params.yaml")


def search(args: argparse.Namespace) -> int:
    """Run (or join) the study until it has the trials asked for, then say the best."""
    import optuna
    import yaml

    from fmnist.metrics import lookup, read_metrics
    from fmnist.params import load_params
    from fmnist.revisions import resolve_revision
    from fmnist.search.space import Metric, check_space
    from fmnist.search.study import (
        DEFAULT_STORAGE,
        Objective,
        has_remotes,
        open_storage,
        open_study,
        run_worker,
        safe_url,
        sampler_for,
        stage_outputs,
    )

    # everything is checked before the first experiment starts
    params = load_params(args.params)
    raw = yaml.safe_load(Path(args.params).read_text())
    space = check_space(params.search, args.space, raw)
    metric = Metric.parse(params.search.metric)
    if lookup(read_metrics([metric.file], None)[metric.file], metric.key) is None:
        raise DataError(
            f"search.metric: the experiments do not write {metric.key!r} in {metric.file} "
            "(see `dvc metrics show`)"
        )
    if metric.file not in stage_outputs(params.search.stage):
        raise DataError(
            f"search.stage: {params.search.stage!r} does not write {metric.file}, the file of "
            "search.metric"
        )
    trials = space.trials if args.trials is None else args.trials
    if trials < 1:
        raise DataError(f"--trials: {trials} is not >= 1")
    name = args.join or args.study or f"{args.space}-{resolve_revision('HEAD')[:7]}"
    storage = open_storage(args.storage or DEFAULT_STORAGE, args.heartbeat, args.grace)
    study = open_study(
        storage,
        name,
        join=bool(args.join),
        direction=params.search.direction,
        sampler=sampler_for(space, params.search.seed),
    )
    push_to = None if args.no_push else has_remotes()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # one line per trial, ours
    print(
        f"study {name!r} in {safe_url(storage.url)}: {trials} trials of space "
        f"{args.space!r} ({space.sampler}), {params.search.direction} {params.search.metric}"
        + (f"; experiments pushed to {push_to}" if push_to else "")
    )
    objective = Objective(space, metric, stage=params.search.stage, push_to=push_to)
    run_worker(study, objective, trials, poll_s=args.heartbeat)
    best = study.best_trial
    print(
        f"best: trial {best.number}, {metric.key} {best.value:.4f}, {best.params}; "
        f"apply it with `dvc exp apply {best.user_attrs['experiment']}`"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fmnist",
        description="fmnist-dvc for people: classify your images with the trained models "
        "(predict), search hyperparameters with DVC experiments as trials (search). The "
        "pipeline itself runs with `dvc repro`; the gate and the reports are `python -m "
        "commands.gate|ci_report|report` from the project root.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub = commands.add_parser(
        "predict",
        help="classify your own images with the trained models",
        description="Classify images with the trained CNN and/or SVM: top-k labels per image "
        "as CSV or JSON. Exit 0, 1 when some inputs were skipped (one stderr line each, the "
        "others classified), 2 when nothing could be classified.",
    )
    predict_parser(sub)
    sub.set_defaults(run=predict)
    sub = commands.add_parser(
        "search",
        help="an Optuna search whose trials are DVC experiments",
        description="Run an Optuna study over a search space of params.yaml (search.spaces); "
        "each trial is `dvc exp run --temp -n STUDY-N -S ...`, scored by search.metric (a "
        "validation metric: the test set never chooses). Start more workers in other clones "
        "with --join STUDY --storage postgresql://...",
    )
    search_parser(sub)
    sub.set_defaults(run=search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_stage(lambda _argv: args.run(args), None)


if __name__ == "__main__":
    raise SystemExit(main())
