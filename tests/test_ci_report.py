import json

import pandas as pd
import pytest

from fmnist.evaluation.ci_report import (
    CiReport,
    environment_changes,
    figure_name,
    metrics_changes,
    params_changes,
    recall_changes,
)
from fmnist.evaluation.gate import gate_table
from fmnist.params import GateRule

PARAMS_DIFF = {"params.yaml": {"cnn.conv_layers": {"old": 2, "new": 1}}}
METRICS_DIFF = {
    "metrics/cnn.json": {
        "macro_f1": {"old": 0.9236643852717312, "new": 0.88, "diff": -0.0436643852717312}
    },
    "metrics/svm.json": {"fit_seconds": {"old": 3.0, "new": 3.5, "diff": 0.5}},
}


def per_class(recalls):
    rows = [("cnn", "T-shirt/top"), ("cnn", "Trouser"), ("svm", "T-shirt/top"), ("svm", "Trouser")]
    return pd.DataFrame(
        [
            {"model": m, "class": c, "precision": 0.5, "recall": r}
            for (m, c), r in zip(rows, recalls, strict=True)
        ]
    )


def test_params_and_metrics_diffs_become_one_row_each():
    params = params_changes(PARAMS_DIFF)
    assert params.to_dict(orient="records") == [
        {"file": "params.yaml", "param": "cnn.conv_layers", "baseline": 2, "now": 1}
    ]
    metrics = metrics_changes(METRICS_DIFF)
    assert metrics["metric"].tolist() == ["macro_f1", "fit_seconds"]
    assert metrics["change"].tolist() == [-0.0436643852717312, 0.5]
    assert params_changes({}).empty and metrics_changes({}).empty


def test_recall_changes_keep_the_table_order_and_subtract():
    table = recall_changes(per_class([0.9, 0.95, 0.8, 0.9]), per_class([0.85, 0.95, 0.8, 0.93]))
    assert table[["model", "class"]].values.tolist() == [
        ["cnn", "T-shirt/top"], ["cnn", "Trouser"], ["svm", "T-shirt/top"], ["svm", "Trouser"],
    ]  # fmt: skip
    assert table["change"].tolist() == [-0.05, 0.0, 0.0, 0.03]
    missing = recall_changes(None, per_class([0.85, 0.95, 0.8, 0.93]))
    assert missing["baseline"].isna().all() and missing["now"].tolist() == [0.85, 0.95, 0.8, 0.93]


def test_figure_names_are_file_safe():
    assert figure_name("CNN loss per epoch (train vs validation)") == (
        "cnn_loss_per_epoch_train_vs_validation.png"
    )


@pytest.mark.parametrize(("now", "verdict"), [(0.9, "PASSED: 1 of 1"), (0.8, "FAILED: 0 of 1")])
def test_markdown_has_the_verdict_every_table_and_the_figures(now, verdict):
    rules = [GateRule(file="m.json", key="accuracy", max_drop=0.01, min=0.85)]
    report = CiReport(
        baseline="main",
        baseline_sha="0123456789abcdef",
        current="workspace",
        gate=gate_table(rules, {"m.json": {"accuracy": 0.9}}, {"m.json": {"accuracy": now}}),
        params=params_changes(PARAMS_DIFF),
        metrics=metrics_changes(METRICS_DIFF),
        recall=recall_changes(None, per_class([0.9, 0.9, 0.9, 0.9])),
        environment=environment_changes(
            {"cnn": {"packages": {"keras": "3.15.1"}}}, {"cnn": {"packages": {"keras": "3.16.0"}}}
        ),
        figures=[("CNN confusion matrix (test) — workspace, main", "cnn_confusion.png")],
        notes=["a note"],
    )
    text = report.markdown(image_prefix="build/")
    assert text.startswith("# CI report: workspace against main (0123456)\n")
    assert f"**Accuracy gate {verdict} rules hold**" in text
    assert "| params.yaml | cnn.conv_layers |          2 |     1 |" in text
    assert "| metrics/svm.json | fit_seconds |" in text
    assert "![CNN confusion matrix (test) — workspace, main](build/cnn_confusion.png)" in text
    assert "- a note" in text
    assert "| cnn     | keras     | 3.15.1     | 3.16.0 |" in text
    tables = json.loads(json.dumps(report.tables()))  # JSON-ready
    assert tables["recall"][0] == {
        "model": "cnn",
        "class": "T-shirt/top",
        "baseline": None,
        "now": 0.9,
        "change": None,
    }
    assert tables["environment"] == [
        {"model": "cnn", "package": "keras", "baseline": "3.15.1", "now": "3.16.0"}
    ]
    assert tables["gate_failed"] == (now < 0.85)
    assert tables["metrics"][0]["baseline"] == 0.9236643852717312  # every digit DVC gave
    assert tables["params"] == [
        {"file": "params.yaml", "param": "cnn.conv_layers", "baseline": 2, "now": 1}
    ]
    assert "Data changed" not in text and "test set changed" not in text  # the same data


def test_a_data_change_gets_its_section_and_a_changed_test_set_a_warning():
    import numpy as np

    from fmnist.data.versions import DataVersion, changed_test_images, diff_versions
    from tests.helpers import balanced_labels, synthetic_images

    x = synthetic_images(balanced_labels(2, 7), 7)
    y = np.arange(20) % 10
    classes = [str(i) for i in range(10)]
    old = DataVersion.from_arrays({"train": (x[:10], y[:10]), "test": (x[10:], y[10:])}, classes)
    new = DataVersion.from_arrays(
        {"train": (x[:10], y[:10]), "test": (x[11:], (y[11:] + 1) % 10)}, classes
    )
    diff = diff_versions(old, new)
    assert changed_test_images(diff) == 10  # 1 removed, 9 relabelled
    rules = [GateRule(file="m.json", key="accuracy", max_drop=0.01, min=0.85)]
    report = CiReport(
        baseline="main",
        baseline_sha="0123456789abcdef",
        current="workspace",
        gate=gate_table(rules, {"m.json": {"accuracy": 0.9}}, {"m.json": {"accuracy": 0.9}}),
        params=params_changes({}),
        metrics=metrics_changes({}),
        recall=recall_changes(None, per_class([0.9, 0.9, 0.9, 0.9])),
        environment=environment_changes({}, {}),
        figures=[],
        data=diff.per_split(),
        data_counts=diff.counts(),
        test_images_changed=changed_test_images(diff),
    )
    text = report.markdown()
    assert "**The test set changed** (10 test images added, removed, relabelled or moved)" in text
    assert "## Data changed (`fmnist data diff main`)" in text
    assert "Images: 1 removed, 9 relabelled." in text
    assert "| test    |       0 |         1 |            9 |" in text
    tables = json.loads(json.dumps(report.tables()))
    assert tables["test_images_changed"] == 10 and tables["data_counts"]["relabelled"] == 9
