"""A search worker: runs trials until the study has enough complete ones, sharing the work with
every other worker of the same study (in other clones, on this machine or others)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import optuna
from optuna.trial import TrialState

from fmnist.errors import PipelineError
from fmnist.search.objective import Objective, TrialFailed
from fmnist.search.space import Metric


def counts(study: optuna.Study) -> dict[TrialState, int]:
    found = {state: 0 for state in TrialState}
    for trial in study.get_trials(deepcopy=False):
        found[trial.state] += 1
    return found


def progress_line(study: optuna.Study, trial: optuna.trial.FrozenTrial, metric: Metric) -> str:
    """One line per finished trial: number, params, metric, seconds, best so far."""
    params = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items()
    )
    seconds = (
        (trial.datetime_complete - trial.datetime_start).total_seconds()
        if trial.datetime_complete and trial.datetime_start
        else float("nan")
    )
    if trial.state == TrialState.COMPLETE:
        outcome = f"{metric.key} {trial.value:.4f}"
    else:
        outcome = f"{trial.state.name.lower()} ({trial.user_attrs.get('error', 'no reason given')})"
    try:
        best = study.best_trial
        best_text = f"best {best.value:.4f} (trial {best.number})"
    except ValueError:
        best_text = "no trial complete yet"
    return f"trial {trial.number}: {params} -> {outcome} in {seconds:.0f} s; {best_text}"


def run_worker(
    study: optuna.Study,
    objective: Objective,
    trials: int,
    poll_s: float,
    report: Callable[[str], None] = print,
) -> None:
    """Run trials until the study has ``trials`` complete ones, sharing the work with any other
    worker of the study. While the last trials run elsewhere, wait: if their worker dies, their
    retry lands here after the heartbeat grace period."""
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    failures = 0
    ran: list[optuna.trial.FrozenTrial] = []  # what this worker ran, filled by the callback
    while True:
        optuna.storages.fail_stale_trials(study)
        found = counts(study)
        complete, running = found[TrialState.COMPLETE], found[TrialState.RUNNING]
        if complete >= trials:
            return
        grid_done = isinstance(study.sampler, optuna.samplers.GridSampler) and (
            study.sampler.is_exhausted(study)
        )
        if grid_done and not found[TrialState.WAITING]:
            return  # every grid point ran; a point that failed twice stays failed
        if failures > trials:
            raise PipelineError(f"stopping: {failures} trials failed in this worker")
        if complete + running >= trials and not found[TrialState.WAITING]:
            time.sleep(poll_s)  # the last trials are running in other workers
            continue
        done = len(ran)
        study.optimize(
            objective, n_trials=1, catch=(TrialFailed,), callbacks=[lambda _, t: ran.append(t)]
        )
        for trial in ran[done:]:
            failures += trial.state == TrialState.FAIL
            report(progress_line(study, trial, objective.metric))
