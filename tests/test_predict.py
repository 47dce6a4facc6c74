import dataclasses
import io
import json
import os
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fmnist.console import main
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.inference.classifiers import Scorer
from fmnist.inference.inputs import Item
from fmnist.inference.predict import as_records, predictions_table, top_k
from fmnist.models.cnn import build_cnn
from fmnist.models.store import save_svm_model
from fmnist.models.svm import build_svm
from fmnist.pictures.pixels import to_cnn_input
from tests.helpers import balanced_labels, project_params, synthetic_images


def test_top_k_orders_best_first_and_breaks_ties_in_class_order():
    scores = np.array([[0.1, 0.5, 0.2, 0.2], [0.0, 0.0, 1.0, 0.0]])
    classes, values = top_k(scores, 3)
    np.testing.assert_array_equal(classes, [[1, 2, 3], [2, 0, 1]])
    np.testing.assert_array_equal(values, [[0.5, 0.2, 0.2], [1.0, 0.0, 0.0]])


def test_table_has_one_row_per_image_and_model_and_json_groups_the_top_labels():
    items = [Item("a.png", 0, np.zeros((28, 28), np.uint8), True),
             Item("b.npz", 4, np.full((28, 28), 7, np.uint8), False)]  # fmt: skip

    # a scorer whose scores are the first pixel's value in one column: checks which image is which
    def score(images):
        out = np.zeros((len(images), 10))
        out[np.arange(len(images)), images[:, 0, 0]] = 1.0
        return out

    table = predictions_table(
        items, [Scorer("cnn", "probability", score, FASHION_MNIST_CLASSES)], k=2
    )
    assert list(table.columns) == [
        "input", "index", "model", "inverted", "score_kind", "label_1", "score_1", "label_2", "score_2",
    ]  # fmt: skip
    assert table["label_1"].tolist() == [FASHION_MNIST_CLASSES[0], FASHION_MNIST_CLASSES[7]]
    assert table["label_2"].tolist() == [FASHION_MNIST_CLASSES[1], FASHION_MNIST_CLASSES[0]]
    assert table["inverted"].tolist() == [True, False] and table["index"].tolist() == [0, 4]
    [first, _] = as_records(table)
    assert first == {
        "input": "a.png", "index": 0, "model": "cnn", "inverted": True, "score_kind": "probability",
        "top": [{"label": "T-shirt/top", "score": 1.0}, {"label": "Trouser", "score": 0.0}],
    }  # fmt: skip


def test_labels_are_the_names_the_model_record_gives_and_k_stops_at_the_classes():
    items = [Item("a.png", 0, np.full((28, 28), 2, np.uint8), False)]
    scorer = Scorer(
        "cnn", "probability", lambda x: np.array([[0.1, 0.3, 0.6]]), ("ant", "bee", "cat")
    )
    [record] = as_records(predictions_table(items, [scorer], k=5))
    assert [(top["label"], top["score"]) for top in record["top"]] == [
        ("cat", 0.6), ("bee", 0.3), ("ant", 0.1),
    ]  # fmt: skip


def test_a_record_without_class_names_is_a_fashion_mnist_model():
    from fmnist.inference.classifiers import record_classes

    assert record_classes({"model": "cnn.keras"}) == FASHION_MNIST_CLASSES
    assert record_classes({"classes": ["a", "b"]}) == ("a", "b")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with small real models in models/ (an untrained CNN, an SVM fitted on
    synthetic images), and 6 PNG files of synthetic images; the working directory."""
    (tmp_path / "models").mkdir()
    keras.utils.set_random_seed(0)
    cnn = build_cnn(project_params().cnn, 10)
    cnn.save(tmp_path / "models" / "cnn.keras")
    for name in ("cnn", "svm"):  # the records give the names of the output columns
        record = {"classes": list(FASHION_MNIST_CLASSES)}
        (tmp_path / "models" / f"{name}.json").write_text(json.dumps(record))
    labels = balanced_labels(12)
    images = synthetic_images(labels)
    svm_params = dataclasses.replace(project_params().svm, pca_components=10)
    svm = build_svm(svm_params).fit(images.reshape(len(images), -1) / 255.0, labels)
    save_svm_model(svm, tmp_path / "models" / "svm.skops")
    (tmp_path / "in").mkdir()
    for i in range(6):
        Image.fromarray(images[i]).save(tmp_path / "in" / f"{i}.png")
    monkeypatch.chdir(tmp_path)
    return {"cnn": cnn, "svm": svm, "images": images[:6]}


def test_predict_both_models_on_a_folder_gives_each_models_own_top_labels(project, capsys):
    assert main(["predict", "in", "--model", "both", "--top-k", "2"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(table) == 12 and table["model"].tolist() == ["cnn"] * 6 + ["svm"] * 6
    cnn_expected = project["cnn"].predict(to_cnn_input(project["images"]), verbose=0).argmax(1)
    svm_expected = project["svm"].predict(project["images"].reshape(6, -1) / 255.0)
    names = np.array(FASHION_MNIST_CLASSES)
    assert table["label_1"].tolist() == list(names[cnn_expected]) + list(names[svm_expected])
    assert set(table["score_kind"]) == {"probability", "svm_ovr_votes"}
    cnn_rows = table[table["model"] == "cnn"]
    assert ((cnn_rows["score_1"] >= cnn_rows["score_2"]) & (cnn_rows["score_1"] <= 1)).all()
    assert not table["inverted"].any()


def test_skipped_inputs_are_one_line_each_and_the_rest_is_classified(project, capsys):
    Path("in/bad.png").write_text("no")
    assert main(["predict", "in", "nothere.jpg", "--format", "json", "--out", "out.json"]) == 1
    err = capsys.readouterr().err
    assert "skipped: in/bad.png: not an image file Pillow can read" in err
    assert "skipped: nothere.jpg: no such file or folder" in err
    assert "Traceback" not in err
    records = json.loads(Path("out.json").read_text())
    assert len(records) == 6 and len(records[0]["top"]) == 3


def test_a_picture_that_is_all_background_is_classified_with_a_warning(project, capsys):
    Image.new("RGB", (300, 200), (235, 222, 200)).save("blank.jpg")  # a beige backdrop, no item
    assert main(["predict", "blank.jpg", "in/0.png"]) == 0  # a warning, not a skip
    out, err = capsys.readouterr()
    assert len(pd.read_csv(io.StringIO(out))) == 2
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: blank.jpg: all background, nothing to trim: classified as a whole"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "in", "--top-k", "0"], "error: --top-k: 0 is not 1 or more"),
        (
            ["predict", "empty.png", "--out", "o.csv"],
            "error: no image to classify: every input was skipped",
        ),
        (["predict", "in", "--model", "svm", "--out", "o.csv"], None),
    ],
)
def test_whole_run_errors_exit_2_with_one_line_and_write_nothing(project, capsys, argv, message):
    open("empty.png", "wb").close()
    if message is None:  # a missing model: names the commands that restore it
        os.remove("models/svm.skops")
        message = (
            "error: models/svm.skops: model file not found (run `dvc pull models/svm.skops` "
            "or `dvc repro train_svm` to restore it)"
        )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines() and "Traceback" not in err
    assert not os.path.exists("o.csv")


def test_pictures_are_prepared_as_the_models_record_says(project, capsys):
    from fmnist.pictures.prepare import fashion_mnist_like, fit

    picture = np.zeros((12, 40), np.uint8)
    picture[3:6, 2:9] = 230  # a short light stroke near a corner of a wide picture
    Image.fromarray(picture).save("wide.png")
    for name in ("cnn", "svm"):
        record = {"classes": list(FASHION_MNIST_CLASSES), "prepared": {"prepare": "fit"}}
        Path(f"models/{name}.json").write_text(json.dumps(record))

    def top_score(argv):
        assert main(["predict", "wide.png", "--top-k", "1", *argv]) == 0
        return pd.read_csv(io.StringIO(capsys.readouterr().out))["score_1"].item()

    def expected(prepared):
        scores = project["cnn"].predict(to_cnn_input(prepared.image[np.newaxis]), verbose=0)
        return float(scores.max())

    assert top_score([]) == pytest.approx(expected(fit(picture)), rel=1e-4)
    override = top_score(["--prepare", "fashion-mnist"])
    assert override == pytest.approx(expected(fashion_mnist_like(picture)), rel=1e-4)
    assert override != pytest.approx(expected(fit(picture)), rel=1e-4)
    Path("models/svm.json").write_text(json.dumps({"classes": list(FASHION_MNIST_CLASSES)}))
    assert main(["predict", "wide.png", "--model", "both"]) == 2
    assert "the models' pictures were prepared differently (cnn fit (invert auto), svm " in (
        capsys.readouterr().err
    )
