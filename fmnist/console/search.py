"""``fmnist search``: an Optuna hyperparameter search whose trials are DVC experiments."""

from __future__ import annotations

import argparse
from pathlib import Path

from fmnist.errors import DataError

HELP = "an Optuna search whose trials are DVC experiments"
DESCRIPTION = (
    "Run an Optuna study over a search space of params.yaml (search.spaces); each trial is "
    "`dvc exp run --temp -n STUDY-N -S ...`, scored by search.metric (a validation metric: the "
    "test set never chooses). Start more workers in other clones with --join STUDY --storage "
    "postgresql://..."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    """Run (or join) the study until it has the trials asked for, then say the best."""
    import optuna
    import yaml

    from fmnist.metrics import lookup, read_metrics
    from fmnist.params import load_params
    from fmnist.revisions import resolve_revision
    from fmnist.search.objective import Objective, has_remotes, stage_outputs
    from fmnist.search.space import Metric, check_space
    from fmnist.search.storage import (
        DEFAULT_STORAGE,
        open_storage,
        open_study,
        safe_url,
        sampler_for,
    )
    from fmnist.search.worker import run_worker

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
    objective = Objective(
        space,
        metric,
        stage=params.search.stage,
        timeout_s=params.search.trial_timeout_s,
        push_to=push_to,
    )
    run_worker(study, objective, trials, poll_s=args.heartbeat)
    best = study.best_trial
    print(
        f"best: trial {best.number}, {metric.key} {best.value:.4f}, {best.params}; "
        f"apply it with `dvc exp apply {best.user_attrs['experiment']}`"
    )
    return 0
