"""End-to-end: `dvc repro` interrupted during train_cnn resumes, with the real dvc CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fmnist.models.resume import STOP_AFTER_EPOCH
from fmnist.stage_runner import INTERRUPTED_EXIT
from tests.helpers import BASELINE, TARGET, DvcProject

pytestmark = pytest.mark.slow

# the shared small run with 4 epochs instead of 2: only train_cnn and what follows it run
LONGER = {"cnn": {"epochs": 4}}


def curve(project: DvcProject, name: str = "eval/accuracy") -> pd.DataFrame:
    return pd.read_csv(project.path / "metrics" / "cnn_curves" / f"{name}.tsv", sep="\t")


def interrupted_repro(project: DvcProject):
    project.env[STOP_AFTER_EPOCH] = "2"
    try:
        return project.dvc("repro", TARGET, check=False)
    finally:
        del project.env[STOP_AFTER_EPOCH]


def test_interrupted_training_resumes_and_a_param_change_starts_fresh(baseline_project):
    straight = baseline_project("straight")
    straight.set_params(**LONGER)
    straight.dvc("repro", TARGET)

    project = baseline_project("interrupted")
    project.set_params(**LONGER)
    stopped = interrupted_repro(project)
    assert stopped.returncode != 0
    assert f"exited with {INTERRUPTED_EXIT}" in stopped.stderr
    assert "stopped after epoch 2" in stopped.stderr and "run again to resume" in stopped.stderr
    # nothing that looks finished: no model, no curves, nothing published (metrics/ is still
    # the committed 2-epoch run's)
    for path in ("models/cnn.keras", "dvclive/cnn"):
        assert not (project.path / path).exists(), path
    assert project.run("git", "status", "--porcelain", "metrics").stdout == ""
    assert not list(project.path.glob("**/.*.tmp*"))
    assert (project.path / ".train_state" / "cnn" / "backup").is_dir()

    resumed = project.dvc("repro", TARGET)
    assert "resuming after epoch 2" in resumed.stderr
    steps = curve(project)["step"].tolist()
    assert steps == [0, 1, 2, 3]  # continuous: no gap, no duplicate
    assert json.loads((project.path / "metrics" / "cnn_train.json").read_text())["epochs_run"] == 4
    assert not (project.path / ".train_state" / "cnn").exists()  # removed after success
    # identical to the uninterrupted run: every epoch's data, augmentation and dropout draws
    # come from (seed, epoch), the weights, optimizer and moving average from the backup
    for name in ("eval/accuracy", "eval/loss", "train/accuracy", "train/loss"):
        pd.testing.assert_frame_equal(curve(project, name), curve(straight, name))
    timings = {"train_seconds", "throughput_images_per_s", "latency_ms_p50", "latency_ms_p95"}
    mine, theirs = (
        {
            k: v
            for k, v in json.loads((p.path / "metrics" / "cnn.json").read_text()).items()
            if k not in timings
        }
        for p in (project, straight)
    )
    assert mine == theirs and mine["accuracy"] > 0.5
    per_class = [(p.path / "metrics" / "per_class.csv").read_text() for p in (project, straight)]
    assert per_class[0] == per_class[1]

    # interrupted again, then a param changes: the saved state is not used
    project.set_params(cnn={"epochs": 4, "dropout": 0.3})
    stopped = interrupted_repro(project)
    assert stopped.returncode != 0 and (project.path / ".train_state" / "cnn").is_dir()
    project.set_params(cnn={"dropout": 0.25})
    fresh = project.dvc("repro", TARGET)
    assert "fresh start" in fresh.stderr and "resuming" not in fresh.stderr
    assert curve(project)["step"].tolist() == [0, 1, 2, 3]


def test_a_killed_queued_experiment_fails_and_runs_cleanly_when_queued_again(baseline_project):
    project = baseline_project()  # the shared small run, committed

    project.dvc("exp", "run", "--queue", TARGET, "-n", "killed", "-S", "cnn.dropout=0.3")
    project.env[STOP_AFTER_EPOCH] = "1"  # the queue's worker inherits it: stopped like a kill
    project.dvc("queue", "start")
    status = project.wait_for_queue()
    del project.env[STOP_AFTER_EPOCH]
    project.dvc("queue", "stop")  # the worker that inherited the hook
    assert "Failed" in status, status
    assert "stopped after epoch 1" in project.dvc("queue", "logs", "killed").stdout

    project.dvc("exp", "run", "--queue", TARGET, "-n", "again", "-S", "cnn.dropout=0.3")
    project.dvc("queue", "start")
    status = project.wait_for_queue()
    assert "Success" in status, status
    epochs = project.experiments()["again"]["metrics"]["metrics/cnn_train.json"]["data"]["epochs_run"]
    assert epochs == BASELINE["cnn"]["epochs"] == 2  # all epochs, from a clean start
    assert not (project.path / ".train_state" / "cnn").exists()  # the workspace was not involved
