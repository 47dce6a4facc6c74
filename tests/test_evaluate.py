import json

import numpy as np
import pandas as pd
import pytest

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.evaluation.scoring import compare, evaluate_models, time_predictor
from stages.evaluate import write_evaluation

LABELS = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
# the CNN is wrong on images 6 and 9; the SVM on 0, 1, 2 and 6
CNN = np.array([0, 1, 2, 3, 4, 5, 0, 7, 8, 7])
SVM = np.array([6, 0, 0, 3, 4, 5, 2, 7, 8, 9])


def indexed_images(n):
    """Images whose first pixel is their index, so a fake predictor can look answers up."""
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(n)
    return images


def lookup_predictor(answers, calls):
    def predict(images):
        calls.append(len(images))
        return answers[images[:, 0, 0]]

    return predict


def test_time_predictor_warms_up_predicts_all_then_times_single_images():
    calls = []
    predicted, speed = time_predictor(lookup_predictor(CNN, calls), indexed_images(10), 4)
    np.testing.assert_array_equal(predicted, CNN)
    assert calls == [2, 10, 1, 1, 1, 1]  # warm-up, all at once, then one image at a time
    assert speed["throughput_images_per_s"] > 0
    assert 0 < speed["latency_ms_p50"] <= speed["latency_ms_p95"]


def test_compare_counts_disagreements_by_hand():
    comparison, intervals = compare(LABELS, {"cnn": CNN, "svm": SVM}, samples=200, seed=0)
    assert comparison["accuracy_difference"] == pytest.approx(0.8 - 0.6)
    test = comparison["mcnemar"]
    assert (test["cnn_right_svm_wrong"], test["svm_right_cnn_wrong"]) == (3, 1)
    # exact two-sided binomial: 2 * P(X <= 1 | n=4, 1/2) = 2 * (1 + 4) / 16
    assert test["method"] == "exact binomial" and test["p_value"] == pytest.approx(10 / 16)
    assert intervals["cnn"][0] <= 0.8 <= intervals["cnn"][1]
    assert intervals["svm"][0] <= 0.6 <= intervals["svm"][1]


def test_evaluate_models_scores_both_and_writes_every_file(tmp_path):
    calls = []
    predictors = {"cnn": lookup_predictor(CNN, calls), "svm": lookup_predictor(SVM, calls)}
    evaluation = evaluate_models(
        predictors,
        indexed_images(10),
        LABELS,
        FASHION_MNIST_CLASSES,
        {"cnn": 12.5, "svm": 3.0},
        2,
        200,
        seed=0,
    )
    cnn, svm = evaluation.metrics["cnn"], evaluation.metrics["svm"]
    assert (cnn["accuracy"], svm["accuracy"]) == (0.8, 0.6)
    assert (cnn["train_seconds"], svm["train_seconds"]) == (12.5, 3.0)
    assert cnn["weakest_class"] == "Shirt" and cnn["weakest_class_recall"] == 0.0
    assert len(cnn["accuracy_ci95"]) == 2 and cnn["test_images"] == 10
    rows = evaluation.per_class.set_index(["model", "class"])
    assert rows.loc[("svm", "T-shirt/top"), "recall"] == 0.0
    assert rows.loc[("cnn", "T-shirt/top"), "precision"] == 0.5  # images 0 and 6 called T-shirt
    frame = evaluation.predictions["svm"]
    assert frame.loc[0, "actual"] == "T-shirt/top" and frame.loc[0, "predicted"] == "Shirt"

    write_evaluation(evaluation, tmp_path / "metrics", tmp_path / "predictions")
    written = json.loads((tmp_path / "metrics" / "cnn.json").read_text())
    assert written["accuracy"] == 0.8 and written["accuracy_ci95"] == cnn["accuracy_ci95"]
    compare_json = json.loads((tmp_path / "metrics" / "compare.json").read_text())
    assert compare_json["mcnemar"]["cnn_right_svm_wrong"] == 3
    table = pd.read_csv(tmp_path / "metrics" / "per_class.csv")
    assert len(table) == 20 and set(table["class"]) == set(FASHION_MNIST_CLASSES)
    csv = pd.read_csv(tmp_path / "predictions" / "cnn.csv")
    assert list(csv.columns) == ["index", "actual", "predicted"] and len(csv) == 10
    assert not list(tmp_path.rglob(".*.tmp*"))


def test_the_stage_answers_a_truncated_model_with_one_line_and_writes_nothing(tmp_path, capsys):
    from fmnist.data.split_files import save_classes, save_split
    from fmnist.stage_runner import run_stage
    from stages.evaluate import main

    (tmp_path / "split").mkdir()
    save_split(tmp_path / "split" / "test.npz", indexed_images(10), LABELS)
    save_classes(tmp_path / "split", FASHION_MNIST_CLASSES)
    model = tmp_path / "cnn.keras"
    model.write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # the first bytes of a zip, then nothing
    for name, summary in (("cnn", {"train_seconds": 1.0}), ("svm", {"fit_seconds": 1.0})):
        (tmp_path / f"{name}.json").write_text(json.dumps({"summary": summary}))
    argv = ["--split", str(tmp_path / "split"), "--cnn-model", str(model), "--svm-model",
            str(tmp_path / "svm.skops"), "--cnn-meta", str(tmp_path / "cnn.json"), "--svm-meta",
            str(tmp_path / "svm.json"), "--out", str(tmp_path / "out"), "--predictions",
            str(tmp_path / "out" / "predictions")]  # fmt: skip
    assert run_stage(main, argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {model}: not a Keras model file, truncated or corrupt; run `dvc pull {model}` "
        "or `dvc repro train_cnn` to restore it\n"
    )
    assert not (tmp_path / "out").exists()
