"""End-to-end: `fmnist predict` through its installed entry point on a small real run, against
the evaluate stage, the exported models, and other revisions read through DVC."""

from __future__ import annotations

import io
import json
import subprocess
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.split_files import load_split
from fmnist.pictures.pixels import to_cnn_input
from tests.helpers import FMNIST, DvcProject

pytestmark = pytest.mark.slow


def predict(project: DvcProject, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return project.run(str(FMNIST), "predict", *args, check=check)


def top1(result: subprocess.CompletedProcess) -> list[str]:
    return pd.read_csv(io.StringIO(result.stdout))["label_1"].tolist()


def test_predict_agrees_with_evaluate_exports_and_revisions(baseline_project, tmp_path):
    project = baseline_project()  # the shared small run of the whole DAG, committed

    # all 10,000 test images as PNG files, classified through the entry point
    images, labels = load_split(project.path / "data" / "split", "test")
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image).save(pngs / f"{i:05d}.png")
    start = time.perf_counter()
    predict(project, str(pngs), "--out", str(tmp_path / "all.csv"))
    print(f"predict, 10,000 PNGs: {time.perf_counter() - start:.1f} s (TensorFlow start included)")
    table = pd.read_csv(tmp_path / "all.csv")
    assert table["input"].tolist() == [str(pngs / f"{i:05d}.png") for i in range(len(images))]
    assert not table["inverted"].any()
    evaluated = pd.read_csv(project.path / "results" / "predictions" / "cnn.csv")
    assert table["label_1"].tolist() == evaluated["predicted"].tolist()  # every image
    accuracy = float(np.mean(table["label_1"].to_numpy() == np.array(FASHION_MNIST_CLASSES)[labels]))
    assert accuracy == json.loads((project.path / "metrics" / "cnn.json").read_text())["accuracy"]

    # photos: inverted (light background) and resized on purpose; the dataset's .npz as well
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(20):
        Image.fromarray(255 - images[i]).save(photos / f"{i:02d}_inverted.png")
        Image.fromarray(255 - images[i]).resize((140, 140)).convert("RGB").save(
            photos / f"{i:02d}_large.jpg", quality=95
        )
    result = predict(project, str(photos), str(project.path / "data" / "split" / "test.npz"))
    rows = pd.read_csv(io.StringIO(result.stdout))
    inverted = rows[rows["input"].str.endswith("_inverted.png")]
    assert inverted["inverted"].all() and rows[rows["input"].str.endswith(".jpg")]["inverted"].all()
    assert inverted["label_1"].tolist() == evaluated["predicted"][:20].tolist()  # 255 - (255 - x)
    large = rows[rows["input"].str.endswith("_large.jpg")]["label_1"].to_numpy()
    print(f"inverted, 140x140 JPEG: {np.mean(large == evaluated['predicted'][:20])} agree")
    from_npz = rows[rows["input"].str.endswith("test.npz")]
    assert from_npz["index"].tolist() == list(range(10_000))
    assert from_npz["label_1"].tolist() == evaluated["predicted"].tolist()

    # the exported models predict what the Keras model does (the stage checked; check again)
    import keras
    import onnxruntime
    import tensorflow as tf

    from fmnist.models.export import float32_copy

    export = project.path / "models" / "export"
    record = json.loads((export / "export.json").read_text())
    model = keras.models.load_model(project.path / "models" / "cnn.keras")
    x = to_cnn_input(images[:2000])
    expected = model.predict(x, verbose=0)
    saved = tf.saved_model.load(str(export / "saved_model"))
    np.testing.assert_allclose(saved.serve(tf.constant(x)).numpy(), expected, atol=1e-5)
    session = onnxruntime.InferenceSession(str(export / "cnn.onnx"))
    [onnx] = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(onnx, float32_copy(model).predict(x, verbose=0), atol=1e-4)
    assert record["saved_model"]["accuracy"] == accuracy
    print("export:", json.dumps(record))

    # another revision's model, read through DVC without checking it out
    few = [str(pngs / f"{i:05d}.png") for i in range(300)]
    baseline = top1(predict(project, *few))
    project.dvc("exp", "run", "-n", "wider", "-S", "cnn.filters=48")
    experiment = top1(predict(project, *few))  # the workspace now holds the experiment's model
    assert experiment != baseline
    assert top1(predict(project, "--rev", "HEAD", *few)) == baseline
    assert top1(predict(project, "--rev", "wider", *few)) == experiment
    unknown = predict(project, "--rev", "nosuchrev", *few, check=False)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines()[-1] == (
        "error: models/cnn.keras at revision 'nosuchrev': unknown Git revision 'nosuchrev'"
    )
