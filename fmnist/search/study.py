"""An Optuna study whose trials are DVC experiments, on one machine or many.

Each trial runs ``dvc exp run --temp -n <study>-<trial> -S key=value ...`` in this clone (a
temporary copy of the workspace, so the workspace is never touched and the run-cache restores
any params set that ran before), reads the search metric back from that experiment, and, when
a git remote and a DVC remote are configured, pushes it (``dvc exp push --run-cache``) so that
``dvc exp pull`` brings every trial anywhere. Several workers, in several clones on one or many
machines, share the study through its storage: any SQLAlchemy URL, PostgreSQL for many
machines. Heartbeats mark the trial of a dead worker failed after the grace period, and it is
retried once by whichever worker is free; a trial whose experiment fails is retried once too.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from fmnist.errors import PipelineError, first_line
from fmnist.metrics import lookup
from fmnist.params import SearchSpace
from fmnist.search.space import Metric, grid, suggest

log = logging.getLogger(__name__)
DEFAULT_STORAGE = "sqlite:///.optuna/search.db"  # embedded: one machine, one worker
RETRY_OF = "retry_of"  # user attribute of a trial that repeats a failed one: its experiment
Runner = Callable[[list[str]], subprocess.CompletedProcess]


class TrialFailed(Exception):
    """The trial's experiment did not run to the end (its last error line says why)."""


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def open_storage(url: str, heartbeat_s: int, grace_s: int) -> optuna.storages.RDBStorage:
    """The study database at ``url`` with heartbeats on and stale trials retried once."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():  # heartbeats are "experimental" to Optuna: not news
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=heartbeat_s,
                grace_period=grace_s,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=1
                ),
            )
    except (SQLAlchemyError, ArgumentError, ImportError, ValueError) as exc:
        reason = first_line(exc)
        raise PipelineError(f"cannot open the study database {safe_url(url)}: {reason}") from None


def sampler_for(space: SearchSpace, seed: int) -> optuna.samplers.BaseSampler:
    if space.sampler == "grid":
        return optuna.samplers.GridSampler(grid(space), seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_study(
    storage: optuna.storages.RDBStorage,
    name: str,
    join: bool,
    direction: str,
    sampler: optuna.samplers.BaseSampler,
) -> optuna.Study:
    """Join the existing study ``name`` (``join``), or create it / continue it."""
    if join:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        if name not in names:
            raise PipelineError(
                f"no study {name!r} to join in {safe_url(storage.url)}; studies there: "
                + (", ".join(names) or "none")
            )
    study = optuna.create_study(
        storage=storage, study_name=name, direction=direction, sampler=sampler, load_if_exists=True
    )
    if study.direction.name.lower() != direction:
        raise PipelineError(f"study {name!r} is to {study.direction.name.lower()}, not {direction}")
    if "sampler" not in study.user_attrs:  # for the report: Optuna does not store the sampler
        study.set_user_attr("sampler", type(sampler).__name__)
    return study


def exp_run_command(name: str, values: Mapping[str, Any], stage: str) -> list[str]:
    """The ``dvc exp run`` of one trial up to ``stage`` (values as YAML scalars: 0.004, 128,
    true)."""
    assignments = []
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value)
        assignments += ["-S", f"{key}={text}"]
    return ["dvc", "exp", "run", "--temp", "-n", name, *assignments, stage]


def stage_outputs(stage: str) -> list[str]:
    """The paths ``stage`` of this repository's dvc.yaml writes (one-line error if none)."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo() as repo:
            (found,) = repo.stage.collect(stage)
            return [out.def_path for out in found.outs]
    except (DvcException, ValueError) as exc:
        raise PipelineError(f"search.stage: {first_line(exc)}") from None


def run_command(args: list[str]) -> subprocess.CompletedProcess:
    """``dvc ...`` through this Python's dvc, output captured. This Python's directory comes
    first on PATH, so the stages DVC starts (``python -m stages.X``) run with this interpreter
    too, also when ``fmnist search`` was started without activating its venv."""
    if args[0] == "dvc":
        args = [sys.executable, "-m", "dvc", *args[1:]]
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PATH": path})


# what a stage prints last when it fails: this project's one-line errors, or the last line of
# a Python traceback (``ModuleNotFoundError: No module named 'x'``)
STAGE_ERROR = re.compile(r"^(error: .+|[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)(: .*)?)$")


def failure_reason(stderr: str) -> str:
    """Why ``dvc exp run`` (or ``dvc repro``) failed, in one line: DVC's own last line ("failed
    to reproduce 'train_cnn' ... exited with 2"), then the failing stage's last error line,
    which DVC prints above it and does not repeat."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "dvc exp run failed"
    dvc_line = lines[-1]
    stage = [line for line in lines[:-1] if STAGE_ERROR.match(line)]
    return f"{dvc_line}; the stage said: {stage[-1]}" if stage else dvc_line


def has_remotes(run: Runner = run_command) -> str | None:
    """The git remote to push experiments to ('origin' first), when a DVC remote is set too."""
    git = run(["git", "remote"]).stdout.split()
    dvc_default = run(["dvc", "remote", "default"])
    if not git or dvc_default.returncode != 0 or not dvc_default.stdout.strip():
        return None
    return "origin" if "origin" in git else git[0]


def read_experiment_metric(metric: Metric, rev: str) -> float | None:
    import dvc.api

    value = lookup(dvc.api.metrics_show(metric.file, rev=rev), metric.key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclasses.dataclass
class Objective:
    """One trial: suggest the params, run the experiment, return its metric."""

    space: SearchSpace
    metric: Metric
    stage: str  # search.stage: the trials reproduce this stage and its dependencies
    run: Runner = run_command
    read_metric: Callable[[Metric, str], float | None] = read_experiment_metric
    push_to: str | None = None  # git remote for `dvc exp push`

    def __call__(self, trial: optuna.Trial) -> float:
        values = {key: suggest(trial, key, dim) for key, dim in self.space.params.items()}
        name = f"{trial.study.study_name}-{trial.number}"
        # a heartbeat retry carries the dead trial's attributes, its experiment name among them
        inherited = trial.user_attrs.get("experiment")
        if inherited and RETRY_OF not in trial.user_attrs:
            trial.set_user_attr(RETRY_OF, inherited)
        trial.set_user_attr("experiment", name)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}:{Path.cwd()}")
        result = self.run(exp_run_command(name, values, self.stage))
        if result.returncode != 0:
            self._retry_once(trial, values, name)
            self._fail(trial, f"{name}: {failure_reason(result.stderr)}")
        value = self.read_metric(self.metric, name)
        if value is None:
            self._fail(trial, f"{name} wrote no {self.metric.file}:{self.metric.key}")
        if self.push_to:
            pushed = self.run(["dvc", "exp", "push", "--run-cache", self.push_to, name])
            if pushed.returncode != 0:
                log.warning("%s: dvc exp push failed: %s", name, pushed.stderr.strip()[-300:])
        return value

    @staticmethod
    def _fail(trial: optuna.Trial, reason: str) -> None:
        trial.set_user_attr("error", reason)
        raise TrialFailed(reason)

    @staticmethod
    def _retry_once(trial: optuna.Trial, values: Mapping[str, Any], name: str) -> None:
        """Queue the same params once more, unless this trial is itself a retry."""
        if RETRY_OF not in trial.user_attrs:
            trial.study.enqueue_trial(dict(values), user_attrs={RETRY_OF: name})


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
