"""The study report's page on synthetic runs with synthetic per-image predictions, checked by hand:
its sections in the reader's order, the grids, the data versions scored on both label sets, the
rounding, and the snapshot that makes the same page again."""

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import fmnist.report as seed_study
from fmnist.report import ReportError
from fmnist.report.experiments import Predictions
from fmnist.report.page import SECTIONS, Made, build_page, grid_figure_name, status, summary
from fmnist.report.snapshot import config_json, load_snapshot, save_snapshot

IMAGES = 1000
LABELS = np.array([f"class {i % 4}" for i in range(IMAGES)])
CORRECTED = LABELS.copy()
CORRECTED[:10] = "class 3"  # the corrected version relabels ten test images
REFERENCE = {
    "base": {"seed": 42},
    "data": {"source": "fashion-mnist", "corrections": ""},
    "split": {"val_fraction": 0.1},
    "cnn": {
        "seed": 42,
        "conv_layers": 2,
        "dropout": 0.038458192224941665,
        "learning_rate": 0.004274232906091852,
        "batch_size": 64,
    },
    "svm": {"seed": 42, "features": "pixels+hog", "pca_components": 80, "train_limit": 0},
}


def params(section=None, **values):
    out = {key: dict(value) for key, value in REFERENCE.items()}
    if section:
        out[section].update(values)
    return out


def predicted(accuracy: float, seed: int, labels=LABELS) -> np.ndarray:
    """Right on the first ``accuracy`` share of images after a seed-dependent shift."""
    wrong = np.roll(np.arange(IMAGES) >= round(accuracy * IMAGES), seed)
    return np.where(wrong, np.roll(labels, 1), labels)


class Runs:
    """A `dvc exp show --json` answer and each run's predictions, built one experiment at a time."""

    def __init__(self):
        self.experiments, self.outputs = [], {}
        self.baseline = self.exp("0" * 40, "main", params(), 0.92, 0.91)

    def exp(self, sha, name, p, cnn_acc, svm_acc=0.91, labels=LABELS):
        seeds = p["cnn"]["seed"], p["svm"]["seed"]
        self.outputs[("cnn", sha)] = (predicted(cnn_acc, seeds[0], labels), labels)
        self.outputs[("svm", sha)] = (predicted(svm_acc, seeds[1], labels), labels)

        def model(acc, seconds):
            return {
                "data": {
                    "accuracy": acc,
                    "macro_f1": acc,
                    "train_seconds": seconds,
                    "throughput_images_per_s": 1000.0,
                    "test_images": IMAGES,
                }
            }

        metrics = {
            "metrics/cnn.json": model(cnn_acc, 60.0),
            "metrics/svm.json": model(svm_acc, 40.0),
            "metrics/cnn_train.json": {"data": {"precision": "float32", "device": "CPU: test"}},
        }
        data = {"params": {"params.yaml": {"data": p}}, "metrics": metrics}
        entry = {"rev": sha, "name": name, "error": None, "data": data}
        if sha != "0" * 40:
            self.experiments.append({"name": name, "executor": {"state": "success"}, "revs": [entry]})
        return entry

    def answer(self):
        return [{**self.baseline, "experiments": self.experiments}]

    def read(self, model, rev):
        return self.outputs[(model, rev)]


def study():
    runs = Runs()
    n = iter(range(1, 10_000))

    def sha():
        return f"{next(n):040x}"

    for seed in (1, 2):  # the committed configuration's other seeds
        runs.exp(sha(), f"seed-{seed}", params("cnn", seed=seed), 0.92)
    for layers, acc in ((1, 0.925), (3, 0.90)):  # the study's depths at 3 seeds
        for seed in (42, 1, 2):
            runs.exp(sha(), f"d{layers}-{seed}", params("cnn", conv_layers=layers, seed=seed), acc)
    for dropout in (0.2, 0.5):  # one seed each
        runs.exp(sha(), f"drop-{dropout}", params("cnn", dropout=dropout), 0.91)
    for lr in (0.002, 0.008):  # the grid, one seed: 2 x 2 with the batch
        for batch in (64, 128):
            acc = 0.90 + (lr == 0.008) * 0.01 + (batch == 64) * 0.005
            runs.exp(sha(), f"g{lr}-{batch}", params("cnn", learning_rate=lr, batch_size=batch), acc)
    study_svm = {"features": "pixels", "pca_components": 50, "train_limit": 10000}
    runs.exp(sha(), "svm-study", params("svm", **study_svm), 0.92, svm_acc=0.86)
    corrected = params("data", corrections="data/corrections/fashion-mnist.csv")
    for seed in (42, 1, 2):
        p = {**corrected, "cnn": {**corrected["cnn"], "seed": seed}}
        runs.exp(sha(), f"fixed-{seed}", p, 0.93, svm_acc=0.915, labels=CORRECTED)
    return runs


def page_of(runs, **options):
    table, skipped, reference = seed_study.collect_runs(runs.answer())
    references = {m: seed_study.model_config(reference, m)[0] for m in ("cnn", "svm")}
    made = Made("fmnist report --from reports", "the experiments of main", "CPU: test.", skipped)
    page = build_page(
        table,
        references,
        Predictions(table, runs.read),
        made,
        options.get("sweep", ("cnn.conv_layers", "cnn.dropout")),
        options.get("grids", [("cnn.batch_size", "cnn.learning_rate")]),
        [],
    )
    return page, table, references


def tables(text: str) -> list[list[str]]:
    """Every Markdown table row's cells."""
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not set(line) <= set("|-: ")
    ]


def test_the_sections_come_in_the_readers_order_after_a_short_summary():
    page, _, _ = page_of(study())
    text = page.markdown
    positions = [text.index("\n" + heading + "\n") for heading in SECTIONS]
    assert positions == sorted(positions)
    head = text[: positions[0]].strip().splitlines()
    assert head[0].startswith("# ") and 1 <= len(head[1:]) - head[1:].count("") <= 5
    assert "Do not hold: CNN, 3 conv layers (its results section) (1.98 pts lower" in text
    assert {"claims.png", "accuracy_by_depth.png", "grid_batch_size_learning_rate.png"} <= set(
        page.figures
    )
    assert all(isinstance(figure, Figure) for figure in page.figures.values())


def test_no_param_in_a_table_is_shown_with_more_than_3_significant_digits():
    page, _, _ = page_of(study())
    for row in tables(page.markdown):
        for cell in row:
            for number in re.findall(r"\d+\.\d+", cell):
                digits = number.replace(".", "").lstrip("0")
                assert len(digits) <= 4, f"{number} in {row}"  # 92.55 is an accuracy; 0.0385 a param
    assert "0.0385" in page.markdown and "0.038458" not in page.markdown


def test_the_sweep_is_a_table_of_mean_std_and_n_per_depth_and_dropout():
    page, _, _ = page_of(study())
    rows = {row[0]: row[1:] for row in tables(page.markdown) if row[0] in {"1", "2", "3"}}
    # columns: dropout 0.0385 (committed), 0.2, 0.5; only depth 2 ran the other dropouts
    assert rows["2"][:3] == ["92.00 ± 0.00 (n=3)", "91.00 (n=1)", "91.00 (n=1)"]
    assert rows["1"] == ["92.50 ± 0.00 (n=3)", "–", "–"]
    assert rows["3"][0] == "90.00 ± 0.00 (n=3)"


def test_a_heatmap_for_each_grid_and_its_table():
    page, _, _ = page_of(
        study(),
        grids=[("cnn.batch_size", "cnn.learning_rate"), ("cnn.conv_layers", "cnn.dropout")],
    )
    name = grid_figure_name("cnn.batch_size", "cnn.learning_rate")
    assert f"]({name})" in page.markdown
    heatmap = page.figures[name]
    ax = heatmap.axes[0]
    assert ax.get_xlabel() == "peak learning rate (Adam)"
    assert ax.get_ylabel() == "batch size (images per step)"
    # learning rates 0.002, 0.00427 (committed, batch 64 only), 0.008; batches 64, 128
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.002", "0.00427", "0.008"]
    cells = sorted(t.get_text() for t in ax.texts)
    assert cells == ["90.00", "90.50", "91.00", "91.50", "92.00\n(n=3)"]
    assert "Highest cell: cnn.batch_size=64 cnn.learning_rate=0.00427, 92.00% (n=3)." in page.markdown
    assert "std of 0.00 points over its 3 seeds" in page.markdown  # the synthetic seeds agree
    assert grid_figure_name("cnn.conv_layers", "cnn.dropout") in page.figures


def test_a_grid_that_did_not_run_says_how_to_queue_it():
    page, _, _ = page_of(study(), grids=[("cnn.batch_size", "cnn.conv_layers")])
    assert "Not run at these revisions. Queue it with `dvc exp run --queue" in page.markdown
    for wrong in ("cnn.nope", "svm.features"):
        with pytest.raises(ReportError, match=f"'{wrong}' is not a param"):
            page_of(study(), grids=[(wrong, "cnn.dropout")])


def test_a_data_version_is_scored_on_both_label_sets_paired_by_seed():
    runs = study()
    page, _, _ = page_of(runs)
    section = page.markdown.split("## Data versions")[1].split("\n## ")[0]
    rows = [row for row in tables(section) if row[0] == "CNN"]
    reference_labels, own_labels = rows
    assert reference_labels[2:4] == ["the reference's", "1, 2, 42"]
    # by hand: each corrected run against LABELS and against CORRECTED, each reference run too
    differences = []
    for row, labels in ((reference_labels, LABELS), (own_labels, CORRECTED)):
        fixed = [np.mean(runs.read("cnn", sha)[0] == labels) for sha in shas(runs, "fixed")]
        base = [np.mean(runs.read("cnn", sha)[0] == labels) for sha in shas(runs, "main", "seed")]
        assert row[4] == f"{np.mean(base) * 100:.2f} ± {np.std(base, ddof=1) * 100:.2f}"
        assert row[5] == f"{np.mean(fixed) * 100:.2f} ± {np.std(fixed, ddof=1) * 100:.2f}"
        differences.append((np.mean(fixed) - np.mean(base)) * 100)
        assert row[6] == f"{differences[-1]:+.2f}"
    assert differences[0] != differences[1]  # the two label sets score differently
    assert [row[0] for row in tables(section)].count("SVM") == 2
    assert (
        "- Data: CNN on data.corrections=data/corrections/fashion-mnist.csv: "
        f"{differences[0]:+.2f} pts on the original test labels"
    ) in page.markdown


def shas(runs, *prefixes):
    entries = [runs.baseline] + [e["revs"][0] for e in runs.experiments]
    return [e["rev"] for e in entries if e["name"].startswith(prefixes)]


def test_the_snapshot_makes_the_same_page_again(tmp_path):
    runs = study()
    page, table, references = page_of(runs)
    predictions = Predictions(table, runs.read).every_run()
    meta = {"references": {m: config_json(c) for m, c in references.items()}, "selection": "x"}
    save_snapshot(tmp_path, table, predictions, {**meta, "skipped": []})
    loaded, loaded_meta, read = load_snapshot(tmp_path)
    assert loaded["config"].tolist() == table["config"].tolist()
    assert loaded_meta["references"] == meta["references"]
    for (model, rev), (guess, actual) in predictions.items():
        again = read(model, rev)
        assert np.array_equal(again[0], guess) and np.array_equal(again[1], actual)
    made = Made("fmnist report --from reports", "the experiments of main", "CPU: test.", [])
    again = build_page(
        loaded,
        references,
        Predictions(loaded, read),
        made,
        ("cnn.conv_layers", "cnn.dropout"),
        [("cnn.batch_size", "cnn.learning_rate")],
        [],
    )
    assert again.markdown == page.markdown
    (tmp_path / "study.json").unlink()
    with pytest.raises(ReportError, match=r"study\.json"):
        load_snapshot(tmp_path)


def test_summary_counts_the_verdicts_and_stops_at_five_lines():
    assert status("reproduced (within ±0.5 pts)") == "held"
    assert status("not reproduced: 1.12 pts lower (band ±0.74 pts)") == "not held"
    assert (
        status("training: SVM 1.8x faster (not reproduced); predicting: SVM 9.4x slower (reproduced)")
        == "partly"
    )
    import pandas as pd

    claims = pd.DataFrame(
        {
            "claim": ["A: 1%", "B: 2%", "C"],
            "verdict": ["reproduced (x)", "not reproduced: 2.00 pts higher (band)", "not run"],
        }
    )
    two_part = "training: SVM 2.3x faster (not reproduced); predicting: SVM 9.4x slower (reproduced)"
    both = pd.concat([claims, pd.DataFrame({"claim": ["D"], "verdict": [two_part]})])
    assert summary(both, [])[2] == (
        "Hold in part: D (training: SVM 2.3x faster; predicting: SVM 9.4x slower)."
    )
    lines = summary(claims, ["one", "two", "three", "four"])
    assert lines[:3] == [
        "Of the study's 3 claims, 1 hold here, 0 in part and 1 do not (1 not run).",
        "Hold: A.",
        "Do not hold: B (2.00 pts higher).",
    ]
    assert len(lines) == 5


def test_the_committed_report_is_made_again_by_its_header_command(tmp_path):
    """reports/study.md names the command that made it; run from a copy of reports/ alone (no
    experiments, no DVC), it writes the same page."""
    import shlex
    import shutil
    import subprocess

    from matplotlib import image

    from tests.helpers import FMNIST, ROOT

    text = (ROOT / "reports" / "study.md").read_text()
    (command,) = re.findall(r"Made again from the files beside it with `([^`]+)`", text)
    words = shlex.split(command)
    assert words[:4] == ["fmnist", "report", "--from", "reports"]
    shutil.copytree(ROOT / "reports", tmp_path / "reports")
    again = subprocess.run(
        [str(FMNIST), *words[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "reports" / "study.md").read_text() == text
    positions = [text.index("\n" + heading + "\n") for heading in SECTIONS]
    assert positions == sorted(positions)
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert {"claims.png", "accuracy_by_depth.png"} <= set(figures)
    assert any(name.startswith("grid_") for name in figures)
    for name in figures:
        assert image.imread(ROOT / "reports" / name).shape[1] == 800, name
    for row in tables(text):
        for cell in row:
            for number in re.findall(r"\d+\.\d+", cell):
                assert len(number.replace(".", "").lstrip("0")) <= 4, f"{number} in {row}"
