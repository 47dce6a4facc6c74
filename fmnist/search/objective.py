"""One trial of the search: suggest the params, run them as a DVC experiment, return its metric.

Each trial runs ``dvc exp run --temp -n <study>-<trial> -S key=value ... STAGE`` in this clone (a
temporary copy of the workspace, so the workspace is never touched and the run-cache restores
any params set that ran before), at most ``search.trial_timeout_s`` seconds, reads the search
metric back from that experiment, and, when a git remote and a DVC remote are configured, pushes
it (``dvc exp push --run-cache``) so that ``dvc exp pull`` brings every trial anywhere. A trial
whose experiment fails is retried once; one that runs out of time is not (it would again).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import optuna

from fmnist.dvc_adapter import DvcError, DvcResult, metrics_at_rev, run_dvc
from fmnist.errors import PipelineError, first_line
from fmnist.metrics import lookup
from fmnist.params import SearchSpace
from fmnist.search.space import Metric, suggest

log = logging.getLogger(__name__)
RETRY_OF = "retry_of"  # user attribute of a trial that repeats a failed one: its experiment
Runner = Callable[..., DvcResult]  # run_dvc's signature: (args, *, timeout_s, check)


class TrialFailed(Exception):
    """The trial's experiment did not run to the end (its last error line says why)."""


def exp_run_command(name: str, values: Mapping[str, Any], stage: str) -> list[str]:
    """The ``dvc exp run`` of one trial up to ``stage`` (values as YAML scalars: 0.004, 128,
    true)."""
    assignments = []
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value)
        assignments += ["-S", f"{key}={text}"]
    return ["exp", "run", "--temp", "-n", name, *assignments, stage]


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


def has_remotes(run: Runner = run_dvc) -> str | None:
    """The git remote to push experiments to ('origin' first), when a DVC remote is set too."""
    git = subprocess.run(["git", "remote"], capture_output=True, text=True).stdout.split()
    dvc_default = run(["remote", "default"], check=False, timeout_s=60)
    if not git or not dvc_default.ok or not dvc_default.stdout.strip():
        return None
    return "origin" if "origin" in git else git[0]


def read_experiment_metric(metric: Metric, rev: str) -> float | None:
    try:
        value = lookup(metrics_at_rev(metric.file, rev), metric.key)
    except DvcError:
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclasses.dataclass
class Objective:
    """One trial: suggest the params, run the experiment, return its metric."""

    space: SearchSpace
    metric: Metric
    stage: str  # search.stage: the trials reproduce this stage and its dependencies
    timeout_s: float  # search.trial_timeout_s: a trial running longer is ended and failed
    run: Runner = run_dvc
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
        try:
            self.run(exp_run_command(name, values, self.stage), timeout_s=self.timeout_s)
        except DvcError as exc:
            if not exc.timed_out:
                self._retry_once(trial, values, name)
            self._fail(trial, f"{name}: {exc.reason}")
        value = self.read_metric(self.metric, name)
        if value is None:
            self._fail(trial, f"{name} wrote no {self.metric.file}:{self.metric.key}")
        if self.push_to:
            try:
                self.run(["exp", "push", "--run-cache", self.push_to, name], timeout_s=self.timeout_s)
            except DvcError as exc:
                log.warning("%s: dvc exp push failed: %s", name, exc.reason)
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
