"""End-to-end: the real dvc CLI on the real Fashion-MNIST, in a temporary git repo."""

from __future__ import annotations

import io
import json
import time

import pandas as pd
import pytest
import yaml

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from tests.helpers import BASELINE, DEBIAN_DATA, FMNIST, require_real_data

pytestmark = pytest.mark.slow


def changed_stages(project) -> set[str]:
    return set(json.loads(project.dvc("status", "--json").stdout))


def test_repro_split_builds_the_real_splits_offline(dvc_project):
    require_real_data()
    project = dvc_project()
    project.set_params(download={"sources": [str(DEBIAN_DATA)]})  # no network: Debian only
    project.dvc("repro", "split")
    counts = json.loads((project.path / "metrics" / "data.json").read_text())
    assert counts.pop("excluded") == {"empty": 0, "label_conflict": 0}
    totals = {name: c["total"] for name, c in counts.items()}
    assert totals["test"] == 10_000 and totals["train"] + totals["val"] == 60_000
    assert abs(totals["val"] - 6_000) < 250  # 10% drawn by each image's content
    for split in counts.values():
        assert list(split["per_class"]) == list(FASHION_MNIST_CLASSES)
    assert set(counts["test"]["per_class"].values()) == {1_000}  # the official test set
    for n in counts["val"]["per_class"].values():
        assert abs(n - 600) < 80
    assert "Data and pipelines are up to date" in project.dvc("status", "split").stdout

    start = time.perf_counter()
    again = project.dvc("repro", "split").stdout
    print(f"second `dvc repro split`: {time.perf_counter() - start:.2f} s")
    assert "Stage 'download' didn't change, skipping" in again
    assert "Stage 'split' didn't change, skipping" in again
    assert "Running stage" not in again


def test_pipeline_metrics_plots_and_experiments_on_a_real_subset(baseline_project, baseline_repro):
    # the shared small run: `dvc repro` of the whole DAG from nothing, committed
    stages = (
        "download", "split", "audit", "train_cnn", "export", "train_svm", "evaluate", "plot", "publish",
    )  # fmt: skip
    for stage in stages:
        assert f"Running stage '{stage}'" in baseline_repro
    project = baseline_project()

    # the SVM stage on its own: 90% of the subset is train (the rest validation)
    svm_train = json.loads((project.path / "metrics" / "svm_train.json").read_text())
    limit = BASELINE["split"]["train_limit"]
    assert abs(svm_train["train_images"] - 0.9 * limit) < 40 and svm_train["val_accuracy"] > 0.7
    assert (project.path / "models" / "svm.skops").stat().st_size > 10_000

    # dvc metrics show lists both models
    shown = json.loads(project.dvc("metrics", "show", "--json").stdout)
    files = shown[next(iter(shown))]["data"]
    cnn = files["metrics/cnn.json"]["data"]
    svm = files["metrics/svm.json"]["data"]
    assert 0.6 < cnn["accuracy"] < 1 and 0.7 < svm["accuracy"] < 1
    assert cnn["test_images"] == svm["test_images"] == 10_000
    compare = files["metrics/compare.json"]["data"]
    assert 0 <= compare["mcnemar"]["p_value"] <= 1
    assert compare["accuracy_difference"] == pytest.approx(cnn["accuracy"] - svm["accuracy"])

    # dvc plots show renders one page referencing every declared plot
    project.dvc("plots", "show", "-o", "dvc_plots")
    html = (project.path / "dvc_plots" / "index.html").read_text()
    for title in (
        "CNN loss per epoch",
        "CNN accuracy per epoch",
        "CNN confusion matrix",
        "SVM confusion matrix",
    ):
        assert title in html
    for png in ("curves.png", "confusion.png", "per_class_accuracy.png", "misclassified.png"):
        assert png in html
    for gallery in ("label_issues.png", "outliers.png", "train_test_pairs.png"):  # the audit's
        assert gallery in html
    audit = files["metrics/audit.json"]["data"]
    assert audit["exact_duplicate_pairs"]["total"] == 0 and audit["label_issues"]["total"] > 0
    assert audit["outliers"]["total"] == 100  # audit.outliers
    assert audit["out_of_fold_accuracy"] > 0.7
    assert "Data and pipelines are up to date" in project.dvc("status").stdout
    baseline_cnn = cnn

    # each stage depends on exactly its params sections
    project.set_params(svm={"C": 5.0})
    assert changed_stages(project) == {"train_svm"}
    project.run("git", "checkout", "params.yaml")
    project.set_params(audit={"folds": 3})
    assert changed_stages(project) == {"audit"}
    project.run("git", "checkout", "params.yaml")
    project.set_params(cnn={"dropout": 0.3})
    assert changed_stages(project) == {"train_cnn"}
    project.run("git", "checkout", "params.yaml")
    project.set_params(cnn={"seed": 7})  # a seed repeat: same split, same SVM
    assert changed_stages(project) == {"train_cnn"}
    project.run("git", "checkout", "params.yaml")
    project.set_params(
        gate={"rules": [{"file": "metrics/cnn.json", "key": "accuracy", "max_drop": 0.1, "min": 0.1}]}
    )
    assert changed_stages(project) == set()  # the gate is no stage input
    project.run("git", "checkout", "params.yaml")

    # an experiment re-runs train_cnn and downstream only
    exp = project.dvc("exp", "run", "-S", "cnn.conv_layers=1").stdout
    for skipped in ("download", "split", "train_svm"):
        assert f"Stage '{skipped}' didn't change, skipping" in exp
    for rerun in ("train_cnn", "export", "evaluate", "plot"):
        assert f"Running stage '{rerun}'" in exp
    exp_cnn = json.loads((project.path / "metrics" / "cnn.json").read_text())
    assert exp_cnn["accuracy"] != baseline_cnn["accuracy"]
    assert (
        json.loads((project.path / "metrics" / "svm.json").read_text())["accuracy"] == svm["accuracy"]
    )
    meta = json.loads((project.path / "models" / "cnn.json").read_text())
    assert meta["params"]["cnn"]["conv_layers"] == 1
    assert meta["summary"]["trainable_params"] == 693_962

    table = pd.read_csv(io.StringIO(project.dvc("exp", "show", "--csv").stdout))
    shown = set(zip(table["cnn.conv_layers"], table["metrics/cnn.json:accuracy"], strict=True))
    assert (1, exp_cnn["accuracy"]) in shown
    assert (2, baseline_cnn["accuracy"]) in shown

    # the CI report on the same two revisions: the experiment in the workspace against HEAD
    report_dir = project.path / "build" / "ci-report"
    summary = project.path / "step_summary.md"
    project.env["GITHUB_STEP_SUMMARY"] = str(summary)
    printed = project.run(str(FMNIST), "ci-report", "HEAD").stdout
    assert printed.strip() == "ci report: build/ci-report/report.md (gate FAILED, 4 figures)"
    report = json.loads((report_dir / "report.json").read_text())
    metrics_diff = json.loads(project.dvc("metrics", "diff", "HEAD", "--json").stdout)
    shown = {(r["file"], r["metric"]): (r["baseline"], r["now"]) for r in report["metrics"]}
    assert len(shown) == len(report["metrics"]) > 5
    assert shown == {
        (file, name): (change["old"], change["new"])
        for file, changes in metrics_diff.items()
        for name, change in changes.items()
    }
    accuracy = {r["file"]: r["change"] for r in report["metrics"] if r["metric"] == "accuracy"}
    assert accuracy == {
        "metrics/cnn.json": pytest.approx(exp_cnn["accuracy"] - baseline_cnn["accuracy"])
    }
    params_diff = json.loads(project.dvc("params", "diff", "HEAD", "--json").stdout)
    assert params_diff["params.yaml"]["cnn.conv_layers"]["old"] == 2
    assert params_diff["params.yaml"]["cnn.conv_layers"]["new"] == 1
    assert report["params"] == [
        {"file": "params.yaml", "param": "cnn.conv_layers", "baseline": 2, "now": 1}
    ]
    per_class = pd.read_csv(project.path / "metrics" / "per_class.csv")
    assert [r["now"] for r in report["recall"]] == per_class["recall"].tolist()
    assert report["gate_failed"] > 0  # 1 conv layer on 1,000 images is below the floors
    markdown = (report_dir / "report.md").read_text()
    assert "| params.yaml | cnn.conv_layers |" in markdown
    for figure in report["figures"]:  # baseline and current in each figure, PNG files
        assert figure["title"].endswith("workspace, HEAD"), figure
        assert (report_dir / figure["file"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"](build/ci-report/{figure['file']})" in summary.read_text()
    assert report["notes"] == []


def test_every_stage_of_the_shared_run_recorded_its_wall_seconds(baseline_run):
    """What `make run`'s closing table reads: each stage's own process, timed, exit 0."""
    from commands.stage_times import read_times, table

    rows = read_times(baseline_run / "build" / "stage-times.jsonl", 0.0)
    stages = yaml.safe_load((baseline_run / "dvc.yaml").read_text())["stages"]
    assert sorted(r["stage"] for r in rows) == sorted(stages)
    assert all(r["exit"] == 0 and r["seconds"] > 0 for r in rows)
    assert f"| stages in all | {sum(r['seconds'] for r in rows):.1f} |" in table(rows, None)
