"""fmnist search: the space, the command line and every bad input, without training."""

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import optuna
import pytest
import yaml

from fmnist.console import main
from fmnist.dvc_adapter import DvcError, DvcResult, failure_reason, run_dvc
from fmnist.errors import ParamsError
from fmnist.params import parse_params
from fmnist.search.objective import Objective, exp_run_command
from fmnist.search.space import Metric, check_space, grid
from fmnist.search.storage import open_storage, open_study
from fmnist.search.worker import run_worker
from tests.helpers import ROOT, git_dvc_repo, raw_params

DIM = {"type": "float", "low": 0.001, "high": 0.01, "log": True, "choices": None}


def with_space(params, **dimensions):
    params["search"]["spaces"] = {"s": {"sampler": "tpe", "trials": 2, "params": dimensions}}
    return params


@pytest.mark.parametrize(
    ("dimension", "message"),
    [
        ({**DIM, "low": 0.01, "high": 0.001}, "low = 0.01 must be less than high = 0.001"),
        ({**DIM, "low": 0.0}, "log needs a float dimension with low > 0"),
        ({**DIM, "type": "categorical"}, "a categorical dimension needs a non-empty choices list"),
        ({**DIM, "type": "categorical", "low": None, "high": None, "log": False, "choices": []},
         "a categorical dimension needs a non-empty choices list"),
        ({**DIM, "type": "int", "low": 0.5, "high": 3, "log": False}, "an int dimension needs whole-number low and high"),
        ({**DIM, "type": "normal"}, "search.spaces.s.params.cnn.learning_rate.type = 'normal' is not allowed"),
    ],
)  # fmt: skip
def test_a_bad_range_is_one_error_naming_the_param(dimension, message):
    with pytest.raises(ParamsError) as caught:
        parse_params(with_space(raw_params(), **{"cnn.learning_rate": dimension}))
    assert message in str(caught.value)
    assert str(caught.value).startswith("search.spaces.s.params.cnn.learning_rate")


def test_unknown_params_and_invalid_values_are_refused_before_anything_runs():
    raw = with_space(raw_params(), **{"cnn.lerning_rate": DIM})
    with pytest.raises(
        ParamsError, match=r"params.cnn.lerning_rate: unknown param 'cnn.lerning_rate'"
    ):
        check_space(parse_params(raw).search, "s", raw)
    raw = with_space(raw_params(), **{"gate.rules": DIM})
    with pytest.raises(ParamsError, match=r"unknown param 'gate\.rules'"):
        check_space(parse_params(raw).search, "s", raw)
    dropout = {**DIM, "low": 0.1, "high": 1.5, "log": False}  # dropout must stay below 1
    raw = with_space(raw_params(), **{"cnn.dropout": dropout})
    with pytest.raises(
        ParamsError, match=r"cnn.dropout: the value 1.5 is not valid: cnn.dropout = 1.5"
    ):
        check_space(parse_params(raw).search, "s", raw)
    with pytest.raises(ParamsError, match=r"no search space 'nope'; the spaces in search\.spaces: s"):
        check_space(parse_params(raw).search, "nope", raw)


def test_the_committed_spaces_are_valid_and_the_grid_is_the_studys():
    raw = raw_params()
    search = parse_params(raw).search
    for name in search.spaces:
        check_space(search, name, raw)
    assert grid(search.spaces["lr_batch_grid"]) == {
        "cnn.learning_rate": [0.0005, 0.001, 0.002, 0.004, 0.008],
        "cnn.batch_size": [64, 128, 256, 512],
    }
    assert search.metric == "metrics/cnn_train.json:best_val_accuracy"  # validation, not test


def test_a_trial_is_one_dvc_exp_run_with_every_searched_value():
    values = {"cnn.learning_rate": 0.004, "cnn.batch_size": 128, "x.y": True}
    assert exp_run_command("s-3", values, "publish") == [
        "exp", "run", "--temp", "-n", "s-3",
        "-S", "cnn.learning_rate=0.004", "-S", "cnn.batch_size=128", "-S", "x.y=true",
        "publish",  # the trial reproduces the stage that writes the metric, and its dependencies
    ]  # fmt: skip


def fake_dvc(scores, calls):
    """Stands in for run_dvc's `dvc exp run`: the score of each learning rate, or a failure."""

    def run(args, *, timeout_s=None, check=True):
        calls.append(args)
        lr = float(args[args.index("-S") + 1].split("=")[1])
        if scores[lr] is None and check:
            raise DvcError(args, "ERROR: boom")
        return DvcResult(args, 0)

    return run


def test_a_failed_trial_is_retried_once_and_no_grid_point_runs_twice(tmp_path):
    raw = raw_params()
    raw["search"]["spaces"] = {"g": {"sampler": "grid", "trials": 3, "params": {
        "cnn.learning_rate": {"type": "categorical", "low": None, "high": None, "log": False,
                              "choices": [0.001, 0.002, 0.004]}}}}  # fmt: skip
    space = parse_params(raw).search.spaces["g"]
    scores = {0.001: 0.5, 0.002: 0.7, 0.004: None}  # 0.004's experiment always fails
    calls, lines = [], []
    storage = open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_s=60, grace_s=120)
    study = optuna.create_study(storage=storage, study_name="g", direction="maximize",
                                sampler=optuna.samplers.GridSampler({"cnn.learning_rate": [0.001, 0.002, 0.004]}, seed=0))  # fmt: skip
    metric = Metric("metrics/cnn_train.json", "best_val_accuracy")

    def read(metric, name):
        lr = float(next(a for a in calls if a[4] == name)[6].split("=")[1])
        return scores[lr]

    objective = Objective(
        space, metric, "publish", timeout_s=60, run=fake_dvc(scores, calls), read_metric=read
    )
    run_worker(study, objective, trials=3, poll_s=0, report=lines.append)
    trials = {(t.params["cnn.learning_rate"], t.state.name) for t in study.get_trials()}
    # 0.004 failed, was retried once (the retry fails too, and is not retried again); the
    # grid is then done: no point runs twice
    assert sorted(t.params["cnn.learning_rate"] for t in study.get_trials()) == [
        0.001,
        0.002,
        0.004,
        0.004,
    ]
    assert trials == {(0.001, "COMPLETE"), (0.002, "COMPLETE"), (0.004, "FAIL")}
    assert len(lines) == 4 and len(calls) == 4
    retries = [t for t in study.get_trials() if "retry_of" in t.user_attrs]
    assert len(retries) == 1 and retries[0].params["cnn.learning_rate"] == 0.004
    assert any("-> fail (g-" in line and "ERROR: boom" in line for line in lines)
    assert any("-> best_val_accuracy 0.7000" in line and "best 0.7000" in line for line in lines)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git + DVC repo with this project's params.yaml, a search metric file and a `publish`
    stage that writes it (and a `fit` stage that does not)."""
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["dvc", "init", "-q"], check=True)
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "cnn_train.json").write_text(json.dumps({"best_val_accuracy": 0.9}))
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n"
        "  fit: {cmd: 'true', outs: [model.bin]}\n"
        "  publish: {cmd: 'true', metrics: [metrics/cnn_train.json: {cache: false}]}\n"
    )
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], check=True
    )
    return tmp_path


def set_search(path, **changes):
    params = yaml.safe_load(path.read_text())
    params["search"].update(changes)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.mark.parametrize(
    ("argv", "change", "message"),
    [
        (["--space", "nope"], {}, "error: no search space 'nope'; the spaces in search.spaces: default, lr_batch_grid"),
        ([], {"metric": "metrics/cnn_train.json:test_accuracy"},
         "error: search.metric: the experiments do not write 'test_accuracy' in metrics/cnn_train.json (see `dvc metrics show`)"),
        (["--storage", "postgresql://someone:secret@127.0.0.1:1/db"], {},
         "error: cannot open the study database postgresql://someone:***@127.0.0.1:1/db: "),
        (["--join", "nobody"], {}, "error: no study 'nobody' to join in sqlite:///.optuna/search.db; studies there: none"),
        (["--trials", "0"], {}, "error: --trials: 0 is not >= 1"),
        ([], {"stage": "nosuch"}, "error: search.stage: Stage 'nosuch' not found inside 'dvc.yaml' file"),
        ([], {"stage": "fit"},
         "error: search.stage: 'fit' does not write metrics/cnn_train.json, the file of search.metric"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_no_experiment(repo, capsys, argv, change, message):
    set_search(repo / "params.yaml", **change)
    assert main(["search", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(message), err
    assert "Traceback" not in "\n".join(err)
    listed = subprocess.run(["dvc", "exp", "list", "--name-only"], capture_output=True, text=True)
    assert listed.stdout.strip() == ""


def test_a_study_records_its_sampler_and_joining_needs_an_existing_one(tmp_path):
    from fmnist.errors import PipelineError

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Optuna's "experimental" notes are not the user's news
        storage = open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_s=60, grace_s=120)
    sampler = optuna.samplers.GridSampler({"cnn.batch_size": [64, 128]})
    with pytest.raises(
        PipelineError, match=r"no study 'g' to join in sqlite:///.*; studies there: none"
    ):
        open_study(storage, "g", join=True, direction="maximize", sampler=sampler)
    study = open_study(storage, "g", join=False, direction="maximize", sampler=sampler)
    assert study.user_attrs["sampler"] == "GridSampler"
    assert (
        open_study(storage, "g", join=True, direction="maximize", sampler=sampler).study_name == "g"
    )
    with pytest.raises(PipelineError, match="study 'g' is to maximize, not minimize"):
        open_study(storage, "g", join=True, direction="minimize", sampler=sampler)


def dvc_repo(path: Path, stages: str) -> None:
    """A git repo with DVC initialised and the given dvc.yaml ``stages:`` body."""
    git_dvc_repo(path)
    (path / "dvc.yaml").write_text("stages:\n" + stages)


def test_the_stages_dvc_starts_run_with_this_python_even_outside_the_venv(tmp_path, monkeypatch):
    # a shell whose PATH does not have the venv (`fmnist search` run as .venv/bin/fmnist)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    dvc_repo(tmp_path, "  where:\n    cmd: command -v python > where.txt\n    outs: [where.txt]\n")
    run_dvc(["repro"], cwd=tmp_path)
    assert (tmp_path / "where.txt").read_text().strip() == str(Path(sys.executable).parent / "python")


def test_a_failed_dvc_command_says_the_failing_stage_s_own_error_line(tmp_path):
    """A real `dvc repro` of a stage that fails: DVC's last line names the stage and its exit
    code only; the reason shows the stage's own last error line too."""
    (tmp_path / "fail.py").write_text(
        "import sys\nprint('working...')\nprint('error: params.yaml: cnn.dropout: 1.5 is not "
        "in [0, 1)', file=sys.stderr)\nsys.exit(2)\n"
    )
    dvc_repo(tmp_path, "  train:\n    cmd: python fail.py\n")
    assert run_dvc(["repro"], cwd=tmp_path, check=False).returncode != 0
    with pytest.raises(DvcError) as raised:
        run_dvc(["repro"], cwd=tmp_path)
    reason = raised.value.reason
    assert str(raised.value) == f"dvc repro: {reason}" and not raised.value.timed_out
    assert reason.startswith("ERROR: failed to reproduce 'train'")
    assert reason.endswith("; the stage said: error: params.yaml: cnn.dropout: 1.5 is not in [0, 1)")
    # a traceback's last line is a stage error too; DVC's line alone when the stage said nothing
    traceback = "Traceback (most recent call last):\n  File x\nModuleNotFoundError: No module named 'tensorflow'\nERROR: failed to reproduce 'train'"
    assert failure_reason(traceback).endswith(
        "the stage said: ModuleNotFoundError: No module named 'tensorflow'"
    )
    assert (
        failure_reason("ERROR: failed to reproduce 'train'") == "ERROR: failed to reproduce 'train'"
    )


def test_a_trial_past_its_time_limit_is_ended_failed_and_the_worker_goes_on(tmp_path, monkeypatch):
    """Real `dvc exp run`s of a stage that sleeps for one value of its param: that trial is
    ended at search.trial_timeout_s with the stage it started, failed with the reason, not
    retried, and the next trial completes."""
    monkeypatch.chdir(tmp_path)
    marker = f"fmnist-sleeper-{tmp_path.name}"
    (tmp_path / "work.py").write_text(
        "import json, time, yaml\n"
        "nap = yaml.safe_load(open('params.yaml'))['nap']\n"
        f"time.sleep(nap)  # {marker}\n"
        "json.dump({'score': 1 / (1 + nap)}, open('m.json', 'w'))\n"
    )
    (tmp_path / "params.yaml").write_text("nap: 0\n")
    dvc_repo(tmp_path, f"  work:\n    cmd: python work.py {marker}\n    params: [nap]\n"
                       "    deps: [work.py]\n    metrics: [m.json: {cache: false}]\n")  # fmt: skip
    run_dvc(["repro"])  # the baseline the experiments start from, as for a real search
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(["git", "commit", "-qm", "sleeper"], check=True)
    space = parse_params(raw_params()).search.spaces["default"]
    space = type(space)("tpe", 2, {"nap": type(space.params["cnn.dropout"])(
        "categorical", choices=[0, 120])})  # fmt: skip
    storage = open_storage(f"sqlite:///{tmp_path}/s.db", heartbeat_s=60, grace_s=120)
    study = optuna.create_study(storage=storage, study_name="t", direction="maximize")
    study.enqueue_trial({"nap": 120})  # first the sleeper, then a trial that finishes
    study.enqueue_trial({"nap": 0})
    objective = Objective(space, Metric("m.json", "score"), "work", timeout_s=8)
    lines = []
    started = time.monotonic()
    run_worker(study, objective, trials=1, poll_s=0, report=lines.append)
    took = time.monotonic() - started
    first, second = study.get_trials()
    assert first.state.name == "FAIL" and second.state.name == "COMPLETE"
    assert first.user_attrs["error"] == "t-0: ran past its time limit of 8 s and was ended"
    assert second.value == 1.0 and len(study.get_trials()) == 2  # no retry of the sleeper
    assert "ran past its time limit of 8 s" in lines[0]
    assert took < 100, took  # the 120 s sleep did not run out
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert left == "", "the stage the timed-out trial started is still running"
