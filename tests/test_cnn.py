import json

import numpy as np
import pytest
import yaml

from stages import train_cnn as train_cnn_stage
from stages.cnn import build_cnn
from stages.dataset import save_split
from stages.params import CnnParams, build_section
from stages.train_cnn import make_dataset, train_cnn
from tests.conftest import ROOT, balanced_labels, synthetic_images


def cnn_params(**changes) -> CnnParams:
    section = yaml.safe_load((ROOT / "params.yaml").read_text())["cnn"]
    return build_section(CnnParams, "cnn", {**section, **changes})


def expected_params(filters, kernel, dense=128, side=28, channels=1):
    """Trainable parameters counted by hand: conv weights + biases, then the two dense layers."""
    total = 0
    for f in filters:
        total += kernel * kernel * channels * f + f
        side, channels = (side - kernel + 1) // 2, f
    flat = side * side * channels
    return total + flat * dense + dense + dense * 10 + 10


def test_default_is_the_study_model_with_225034_parameters():
    model = build_cnn(cnn_params())
    assert model.count_params() == 225_034 == expected_params([32, 64], 3)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "InputLayer",
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert model.get_layer("dropout").rate == 0.2


@pytest.mark.parametrize(
    ("changes", "filters", "kernel", "pooled"),
    [
        ({"conv_layers": 1}, [32], 3, (13, 13, 32)),
        ({"conv_layers": 2}, [32, 64], 3, (5, 5, 64)),
        ({"conv_layers": 3}, [32, 64, 128], 3, (1, 1, 128)),
        ({"conv_layers": 2, "filters": [16, 16], "kernel_size": 5}, [16, 16], 5, (4, 4, 16)),
    ],
)
def test_depths_shapes_and_parameter_counts(changes, filters, kernel, pooled):
    model = build_cnn(cnn_params(**changes))
    assert model.output_shape == (None, 10)
    assert model.get_layer(f"pool{len(filters)}").output.shape[1:] == pooled
    assert model.count_params() == expected_params(filters, kernel)


def test_one_conv_layer_model_is_bigger():
    assert build_cnn(cnn_params(conv_layers=1)).count_params() == 693_962


def test_training_dataset_shuffles_and_flips_only_training_batches():
    labels = balanced_labels(4)
    images = synthetic_images(labels)
    plain = next(iter(make_dataset(images, labels, 40)))
    np.testing.assert_array_equal(plain[1].numpy().argmax(axis=1), labels)
    flipped = np.concatenate([x.numpy() for x, _ in make_dataset(images, labels, 40, 0, flip=True)])
    order_free = np.sort(flipped.reshape(40, -1).sum(axis=1))
    np.testing.assert_allclose(
        order_free, np.sort(images.reshape(40, -1).sum(axis=1) / 255), rtol=1e-5
    )


def tiny_data():
    train_labels, val_labels = balanced_labels(12, 1), balanced_labels(3, 2)
    return (synthetic_images(train_labels, 1), train_labels), (
        synthetic_images(val_labels, 2),
        val_labels,
    )


def test_training_is_deterministic_for_a_seed():
    train, val = tiny_data()
    params = cnn_params(epochs=2, batch_size=16, augment_shift=1)
    first = train_cnn(params, 3, train, val)[0].get_weights()
    second = train_cnn(params, 3, train, val)[0].get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_stage_writes_model_meta_and_dvclive_curves(tmp_path, params_file):
    train, val = tiny_data()
    split = tmp_path / "split"
    split.mkdir()
    save_split(split / "train.npz", *train)
    save_split(split / "val.npz", *val)
    params = params_file(cnn={"epochs": 2, "batch_size": 32})
    live, model, meta = tmp_path / "live", tmp_path / "cnn.keras", tmp_path / "cnn.json"
    train_cnn_stage.main(
        [
            "--params",
            str(params),
            "--split",
            str(split),
            "--model",
            str(model),
            "--meta",
            str(meta),
            "--live",
            str(live),
        ]
    )
    metrics = json.loads((live / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["trainable_params"] == 225_034
    assert 0 <= metrics["best_val_accuracy"] <= 1 and metrics["seconds_per_epoch"] > 0
    assert set(metrics) >= {"train", "eval", "best_epoch", "train_seconds"}
    for split_name in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            rows = (
                (live / "plots" / "metrics" / split_name / f"{metric}.tsv").read_text().splitlines()
            )
            assert rows[0] == f"step\t{metric}" and len(rows) == 3  # header + one row per epoch
    recorded = json.loads(meta.read_text())
    assert recorded["params"]["cnn"]["epochs"] == 2 and recorded["params"]["base"]["seed"] == 42
    assert recorded["versions"]["tensorflow"] and model.stat().st_size > 100_000
    assert not list(tmp_path.glob(".*.tmp*"))
