import zipfile

import keras
import numpy as np
import onnxruntime
import pytest
import tensorflow as tf
import yaml

from fmnist.data.idx import read_idx
from fmnist.errors import DataError
from fmnist.models.cnn import build_cnn, with_flip_average
from fmnist.models.cnn_file import load_cnn_model
from fmnist.models.export import (
    ONNX_FILE,
    SAVED_MODEL,
    check_parity,
    export_cnn,
    float32_copy,
    policies,
)
from fmnist.models.kinds import MODELS
from fmnist.models.store import load_svm_model, save_svm_model
from fmnist.pictures.pixels import to_cnn_input
from tests.helpers import DEBIAN_DATA, ROOT, project_params


def test_a_missing_model_names_the_commands_that_restore_it(tmp_path):
    for load, stage in ((load_cnn_model, "train_cnn"), (load_svm_model, "train_svm")):
        path = tmp_path / "models" / "m"
        with pytest.raises(DataError) as caught:
            load(path)
        assert str(caught.value) == (
            f"{path}: model file not found (run `dvc pull {path}` or `dvc repro {stage}` "
            "to restore it)"
        )


def test_a_truncated_or_foreign_model_file_is_one_line_not_keras_file_not_found(tmp_path):
    model = with_flip_average(build_cnn(project_params().cnn, 10))
    path = tmp_path / "cnn.keras"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        DataError, match=r"cnn.keras: not a Keras model file, truncated or corrupt; run `dvc pull"
    ):
        load_cnn_model(path)
    with zipfile.ZipFile(path, "w") as archive:  # a zip, but not a Keras model
        archive.writestr("hello.txt", "hi")
    with pytest.raises(
        DataError, match=r"cnn.keras: cannot load the Keras model \(.*\); run `dvc pull"
    ):
        load_cnn_model(path)
    svm = tmp_path / "svm.skops"
    svm.write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(
        DataError, match=r"svm.skops: not a skops file, truncated or corrupt; run `dvc"
    ):
        load_svm_model(svm)
    save_svm_model({"not": "a pipeline"}, svm)
    with pytest.raises(DataError, match=r"svm.skops: holds a dict, not the SVM pipeline"):
        load_svm_model(svm)


def test_predict_reads_the_files_the_registry_declares():
    artifacts = yaml.safe_load((ROOT / "dvc.yaml").read_text())["artifacts"]
    assert {name: artifacts[name]["path"] for name in MODELS} == {
        key: kind.model_file for key, kind in MODELS.items()
    }
    assert all(a["type"] == "model" and a["desc"] and a["labels"] for a in artifacts.values())


def test_float32_copy_has_the_same_weights_and_computes_in_float32():
    model = with_flip_average(build_cnn(project_params().cnn, 10, "mixed_bfloat16"))
    assert "mixed_bfloat16" in policies(model)
    copy = float32_copy(model)
    assert policies(copy) == {"float32"}
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((4, 28, 28, 1), np.float32)
    # bf16 rounding moves the probabilities a little, never far
    np.testing.assert_allclose(model.predict(x, verbose=0), copy.predict(x, verbose=0), atol=0.05)


def test_check_parity_refuses_a_different_top1_or_a_far_probability():
    check_parity("x", {"top1_agreement": 1.0, "max_abs_difference": 1e-6}, 1e-5)
    with pytest.raises(
        DataError, match=r"x does not reproduce the Keras model: top-1 agreement 0\.999900"
    ):
        check_parity("x", {"top1_agreement": 0.9999, "max_abs_difference": 0.0}, 1e-5)
    with pytest.raises(DataError, match=r"max \|probability difference\| 2.00e-05"):
        check_parity("x", {"top1_agreement": 1.0, "max_abs_difference": 2e-5}, 1e-5)


def test_exports_load_in_tensorflow_and_onnxruntime_and_predict_what_keras_does(tmp_path):
    """A bf16 model with the mirror average, as the pipeline saves it; real test images when
    Debian's dataset is installed."""
    if (DEBIAN_DATA / "t10k-images-idx3-ubyte.gz").exists():
        images = read_idx(DEBIAN_DATA / "t10k-images-idx3-ubyte.gz")[:300]
    else:
        images = np.random.default_rng(1).integers(0, 256, (300, 28, 28), dtype=np.uint8)
    labels = np.zeros(len(images), np.uint8)
    keras.utils.set_random_seed(5)
    model = with_flip_average(build_cnn(project_params().cnn, 10, "mixed_bfloat16"))
    record = export_cnn(model, tmp_path, images, labels)
    x = to_cnn_input(images)
    expected = model.predict(x, verbose=0)

    loaded = tf.saved_model.load(str(tmp_path / SAVED_MODEL))
    saved = loaded.serve(tf.constant(x)).numpy()
    np.testing.assert_array_equal(saved.argmax(1), expected.argmax(1))
    np.testing.assert_allclose(saved, expected, atol=1e-5)  # the same bf16 graph

    session = onnxruntime.InferenceSession(str(tmp_path / ONNX_FILE))
    [onnx] = session.run(None, {session.get_inputs()[0].name: x})
    expected32 = float32_copy(model).predict(x, verbose=0)
    np.testing.assert_array_equal(onnx.argmax(1), expected32.argmax(1))
    np.testing.assert_allclose(onnx, expected32, atol=1e-4)  # float32 in both, other kernels

    assert record["saved_model"]["vs_keras"]["top1_agreement"] == 1.0
    assert record["onnx"]["vs_keras_float32"]["max_abs_difference"] <= 1e-4
    assert record["onnx"]["accuracy"] == pytest.approx(np.mean(onnx.argmax(1) == 0))
