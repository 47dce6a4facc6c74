"""The study report from a real queued sweep: the dvc CLI, a 2 x 2 grid with 2 seeds, tiny data."""

import json
import re
import shlex
import shutil
import statistics
import subprocess

import pandas as pd
import pytest
from matplotlib import image

from tests.helpers import FMNIST, TARGET, DvcProject, raw_params, require_real_data

pytestmark = pytest.mark.slow
GRID_KEYS = ("cnn.conv_layers", "cnn.dropout")


def report(project: DvcProject, check: bool = True):
    return project.run(str(FMNIST), "report", "--out", "reports", check=check)


def test_a_queued_sweep_with_seeds_becomes_a_report(dvc_project, baseline_project):
    require_real_data()
    unrun = dvc_project("unrun")
    refused = report(unrun, check=False)  # nothing has run yet: one error, no files
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("error: no finished experiment")
    assert not (unrun.path / "reports").exists()

    # the shared small run, committed; its dropout is the grid's, so it is one of its points
    project = baseline_project()
    assert raw_params(project.path / "params.yaml")["cnn"]["dropout"] == 0.2
    grid = ["-S", "cnn.conv_layers=1,2", "-S", "cnn.dropout=0.2", "-S", "cnn.seed=42,1"]
    # the report reads metrics and predictions: each experiment runs the DAG up to TARGET
    project.dvc("exp", "run", "--queue", TARGET, *grid)
    project.dvc("exp", "run", "--queue", TARGET, "-n", "bad-dropout", "-S", "cnn.dropout=2")
    # evaluate loads mirror-averaging models (the default's cnn.predict_flip_average), ResNet too
    assert raw_params()["cnn"]["predict_flip_average"] is True
    resnet = ["-S", "cnn.arch=resnet", "-S", "cnn.resnet_width=8", "-S", "cnn.resnet_blocks=[1,1]"]
    project.dvc("exp", "run", "--queue", TARGET, "-n", "resnet", *resnet)
    project.dvc("queue", "start")
    status = project.wait_for_queue(timeout_s=1200)
    assert status.count("Success") == 5 and "Failed" in status, status

    result = report(project)
    runs = pd.read_csv(project.path / "reports" / "runs.csv")
    cnn = runs[runs["model"] == "cnn"]
    assert len(cnn) == 5 and (runs["model"] == "svm").sum() == 1  # one SVM: never re-trained
    # the report's numbers are the experiments' own, as `dvc exp show --json` gives them
    shown: dict[tuple[int, float], list[float]] = {}
    for name, data in project.experiments().items():
        if name not in ("resnet", "bad-dropout") and data and data.get("metrics"):
            cnn_params = data["params"]["params.yaml"]["data"]["cnn"]
            key = (cnn_params["conv_layers"], cnn_params["dropout"])
            shown.setdefault(key, []).append(data["metrics"]["metrics/cnn.json"]["data"]["accuracy"])
    assert sorted(shown) == [(1, 0.2), (2, 0.2)]
    text = (project.path / "reports" / "study.md").read_text()
    assert result.stdout == text

    def row(*cells: str) -> str:  # a markdown table row, whatever the column padding
        return r"\|\s*" + r"\s*\|\s*".join(re.escape(cell) for cell in cells) + r"\s*\|"

    # the study's sweep: a row per conv_layers, a column per dropout, mean ± std (n) per cell
    lenet = cnn[cnn["name"] != "resnet"]
    grid_point = lenet["config"].map(lambda c: tuple(json.loads(c)[k] for k in GRID_KEYS))
    for (layers, dropout), accuracies in shown.items():
        mean, std = statistics.mean(accuracies) * 100, statistics.stdev(accuracies) * 100
        rows = lenet[grid_point == (layers, dropout)]
        assert len(rows) == 2 and sorted(rows["seed"]) == [1, 42]
        assert re.search(row(str(layers), f"{mean:.2f} ± {std:.2f} (n=2)"), text)
    assert "- bad-dropout: failed, no results yet" in text
    # the residual net is one more configuration, named by what it changes
    (resnet_run,) = cnn[cnn["name"] == "resnet"].itertuples()
    assert json.loads(resnet_run.config)["cnn.arch"] == "resnet"
    resnet_metrics = project.experiments()["resnet"]["metrics"]["metrics/cnn.json"]["data"]
    assert resnet_run.accuracy == resnet_metrics["accuracy"]
    label = "cnn.arch=resnet cnn.resnet_blocks=[1, 1] cnn.resnet_width=8"
    assert re.search(row("CNN", label), text.split("## Other configurations")[1])
    assert re.search(
        row("CNN, 1 conv layer: 92.7%", "92.70") + r" \d+\.\d\d ± \d+\.\d\d \(n=2\)", text
    )
    picture = image.imread(project.path / "reports" / "accuracy_by_depth.png")
    assert picture.shape[:2] == (500, 800)

    # the header's command makes the same page from the snapshot, in a clone without experiments
    (command,) = re.findall(r"Made again from the files beside it with `([^`]+)`", text)
    assert command.startswith("fmnist report --from reports")
    clone = project.path.parent / "clone"
    shutil.copytree(project.path / "reports", clone / "reports")
    again = subprocess.run(
        [str(FMNIST), *shlex.split(command)[1:]], cwd=clone, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert (clone / "reports" / "study.md").read_text() == text
