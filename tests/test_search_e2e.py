"""End-to-end: `fmnist search` with two workers in two clones sharing a real PostgreSQL study,
a bare git origin and a real S3 object store (SeaweedFS) as the DVC remote; one worker killed in
the middle of a trial. Every clone has its own HOME, so nothing travels through the committed
default remote (a directory under HOME): each trial's outputs reach S3, and a third clone uses a
trial's model from there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from fmnist.testing.servers import S3Server, wait_for
from tests.helpers import FMNIST, ROOT, DvcProject, installed_server

pytestmark = pytest.mark.slow

GRID = [0.001, 0.002, 0.004, 0.008]  # 4 trials, one per learning rate
SPACE = {
    "sampler": "grid",
    "trials": len(GRID),
    "params": {"cnn.learning_rate": {"type": "categorical", "choices": GRID}},
}
HEARTBEAT, GRACE = 2, 8


def worker(project: DvcProject, url: str, *how: str) -> subprocess.Popen:
    """A search worker in its own process group (killing the group is losing the machine)."""
    return subprocess.Popen(
        [
            FMNIST,
            "search",
            "--space",
            "tiny",
            "--storage",
            url,
            *how,
            "--heartbeat",
            str(HEARTBEAT),
            "--grace",
            str(GRACE),
        ],
        cwd=project.path,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def experiment_names(project: DvcProject) -> set[str]:
    return set(project.dvc("exp", "list", "--name-only").stdout.split())


@pytest.fixture
def s3():
    s3_server = installed_server(S3Server)
    try:
        yield s3_server.start()
    finally:
        s3_server.close()


def on_s3(project: DvcProject, s3: S3Server, home: Path) -> DvcProject:
    """The clone's own HOME, and the S3 remote as its default (credentials in config.local)."""
    s3.remote().configure(project.isolate_home(home).dvc)
    return project


def test_two_workers_share_a_postgres_study_and_a_killed_trial_is_retried(
    baseline_project, tmp_path, postgres, s3, request
):
    origin = tmp_path / "origin.git"
    a = on_s3(baseline_project("a"), s3, tmp_path / "home-a")  # the shared small run
    a.set_params(search={"spaces": {"tiny": SPACE}})
    a.commit("the search space")
    a.push_to_new_origin(origin)
    a.dvc("push", "--run-cache")
    b = DvcProject(tmp_path / "b")
    a.run("git", "clone", "-q", str(origin), str(b.path))
    on_s3(b, s3, tmp_path / "home-b").dvc("pull")

    start = time.perf_counter()
    first = worker(a, postgres.url, "--study", "s")
    request.addfinalizer(lambda: _kill(first))
    study = wait_for(lambda: _alive(first) and _load(postgres.url), "the study")

    def a_in_second_trial():
        mine = [t for t in study.get_trials() if _pid(t) == first.pid]
        running = [t for t in mine if t.state == TrialState.RUNNING]
        return len(mine) >= 2 and running and running[0]

    # A runs alone until its second trial starts; then B joins, and once B is busy too, A is
    # killed (the whole process group: the worker and its dvc exp run) mid-trial
    killed = wait_for(a_in_second_trial, "worker A in its second trial")
    second = worker(b, postgres.url, "--join", "s")
    request.addfinalizer(lambda: _kill(second))
    wait_for(lambda: _running(study, second.pid), "worker B in a trial")

    def a_mid_trial():
        return _age(study.trials[killed.number]) > 10

    wait_for(a_mid_trial, "ten seconds into A's second trial")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    out, err = second.communicate(timeout=900)
    print(f"two workers, {len(GRID)} trials and one kill: {time.perf_counter() - start:.0f} s")
    assert second.returncode == 0, err

    trials = study.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    failed = [t for t in trials if t.state == TrialState.FAIL]
    # the asked number of trials, every grid point once, no trial run twice
    assert sorted(t.params["cnn.learning_rate"] for t in complete) == GRID
    assert [t.number for t in failed] == [killed.number]
    [retry] = [t for t in complete if t.system_attrs.get("failed_trial") == killed.number]
    assert retry.params == killed.params and _pid(retry) == second.pid
    assert retry.user_attrs["retry_of"] == killed.user_attrs["experiment"]
    names = [t.user_attrs["experiment"] for t in complete]
    assert len(set(names)) == len(names)
    assert {_pid(t) for t in complete} == {first.pid, second.pid}  # both worked

    # each trial is an experiment in the clone that ran it, and only there
    in_a, in_b = experiment_names(a), experiment_names(b)
    assert in_a | in_b == set(names) and not in_a & in_b
    assert killed.user_attrs["experiment"] not in in_a | in_b
    # one line per finished trial in B's output, and the best with how to apply it
    assert out.count(" -> best_val_accuracy ") == sum(_pid(t) == second.pid for t in complete)
    best = study.best_trial
    assert f"apply it with `dvc exp apply {best.user_attrs['experiment']}`" in out

    # a third clone sees every trial after `dvc exp pull`, with the metric the study has, and
    # every trial's model is on S3
    c = DvcProject(tmp_path / "c")
    a.run("git", "clone", "-q", str(origin), str(c.path))
    on_s3(c, s3, tmp_path / "home-c")
    c.dvc("exp", "pull", "--all-commits", "origin")
    shown = c.experiments()
    for trial in complete:
        metrics = shown[trial.user_attrs["experiment"]]["metrics"]["metrics/cnn_train.json"]
        assert metrics["data"]["best_val_accuracy"] == pytest.approx(trial.value)
        assert s3.has(_model_md5(c, trial.user_attrs["experiment"]))
    # ... and classifies with one trial's model, read from there (C never ran a trial)
    predicted = c.run(
        FMNIST, "predict", "--rev", best.user_attrs["experiment"], str(ROOT / "docs" / "examples")
    )
    assert predicted.stdout.count("\n") == 3  # the header and the two example pictures


def _model_md5(project: DvcProject, experiment: str) -> str:
    """The MD5 of models/cnn.keras in an experiment's dvc.lock (the name of its DVC object)."""
    import yaml

    sha = next(
        rev["rev"]
        for baseline in json.loads(project.dvc("exp", "show", "--json").stdout)
        for exp in baseline.get("experiments") or []
        for rev in exp["revs"]
        if rev["name"] == experiment
    )
    lock = yaml.safe_load(project.run("git", "show", f"{sha}:dvc.lock").stdout)
    outs = lock["stages"]["train_cnn"]["outs"]
    return next(out["md5"] for out in outs if out["path"] == "models/cnn.keras")


def _kill(process: subprocess.Popen) -> None:
    """A worker still running when the test ends (it failed): its whole process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _alive(process: subprocess.Popen) -> bool:
    """True while ``process`` runs; a worker that ended early fails the test with its output."""
    if process.poll() is not None:
        out, err = process.communicate()
        raise AssertionError(f"the worker ended early (exit {process.returncode}):\n{out}\n{err}")
    return True


def _load(url: str) -> optuna.Study | None:
    try:
        return optuna.load_study(study_name="s", storage=url)
    except KeyError:
        return None


def _pid(trial: optuna.trial.FrozenTrial) -> int | None:
    worker = trial.user_attrs.get("worker")
    return int(worker.split(":")[1]) if worker else None


def _running(study: optuna.Study, pid: int) -> bool:
    return any(t.state == TrialState.RUNNING and _pid(t) == pid for t in study.get_trials())


def _age(trial: optuna.trial.FrozenTrial) -> float:
    from datetime import datetime

    return (datetime.now() - trial.datetime_start).total_seconds()
