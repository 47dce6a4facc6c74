import dataclasses
import json

import keras
import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from fmnist.data.augment import epoch_images
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.split_files import save_classes, save_split
from fmnist.evaluation.scoring import load_predictors
from fmnist.models.cnn import (
    FusedBatchNormalization,
    build_cnn,
    build_resnet,
    learning_rate_schedule,
    make_optimizer,
)
from fmnist.models.hardware import Hardware, onednn_state
from fmnist.models.store import save_svm_model
from fmnist.models.training import (
    EpochSeeds,
    eval_dataset,
    steps_per_epoch,
    train_cnn,
    training_dataset,
)
from fmnist.pictures.pixels import to_cnn_input
from stages import train_cnn as train_cnn_stage
from tests.helpers import balanced_labels, project_params, synthetic_images


def cnn_params(**changes):
    return project_params(cnn=changes).cnn


def test_default_is_the_study_model_with_225034_parameters():
    model = build_cnn(cnn_params(), 10)
    assert model.count_params() == 225_034
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
    # the study's dropout layer, at the rate the TPE search chose (params.yaml, trial tpe-23)
    assert model.get_layer("dropout").rate == cnn_params().dropout == 0.038458192224941665


# Trainable parameters counted by hand: each conv layer k*k*in*out + out, each 'valid' 3x3 conv
# takes 2 pixels off the side and each pool halves it (28 -> 26 -> 13 -> 11 -> 5 -> 3 -> 1); then
# flat*128 + 128 and 128*10 + 10. E.g. [32, 64]: 320 + 18,496 + (5*5*64)*128+128 + 1,290.
@pytest.mark.parametrize(
    ("changes", "pooled", "parameters"),
    [
        ({"conv_layers": 1}, (13, 13, 32), 320 + 692_352 + 1_290),
        ({"conv_layers": 2}, (5, 5, 64), 320 + 18_496 + 204_928 + 1_290),
        ({"conv_layers": 3}, (1, 1, 128), 320 + 18_496 + 73_856 + 16_512 + 1_290),
        # 5x5 kernels: 28 -> 24 -> 12 -> 8 -> 4
        (
            {"conv_layers": 2, "filters": [16, 16], "kernel_size": 5},
            (4, 4, 16),
            416 + 6_416 + 32_896 + 1_290,
        ),
    ],
)
def test_depths_shapes_and_parameter_counts(changes, pooled, parameters):
    model = build_cnn(cnn_params(**changes), 10)
    assert model.output_shape == (None, 10)
    assert model.get_layer(f"pool{changes['conv_layers']}").output.shape[1:] == pooled
    assert model.count_params() == parameters


def test_one_conv_layer_model_is_bigger():
    assert build_cnn(cnn_params(conv_layers=1), 10).count_params() == 693_962


def test_eval_dataset_keeps_images_labels_and_order():
    labels = balanced_labels(4)
    images = synthetic_images(labels)
    x, y = next(iter(eval_dataset(images, labels, 40, 10)))
    np.testing.assert_array_equal(np.rint(x.numpy()[..., 0] * 255).astype(np.uint8), images)
    np.testing.assert_array_equal(y.numpy().argmax(axis=1), labels)


def test_training_dataset_shuffles_and_flips_some_images_with_their_labels():
    labels = balanced_labels(4)
    images = synthetic_images(labels)
    originals = {image.tobytes(): i for i, image in enumerate(images)}
    mirrors = {image[:, ::-1].tobytes(): i for i, image in enumerate(images)}
    order, flipped = [], 0
    for x, y in training_dataset(images, labels, 16, seed=0, classes=10, flip=True).take(
        3
    ):  # 40 images
        for image, one_hot in zip(x.numpy(), y.numpy(), strict=True):
            pixels = np.rint(image[..., 0] * 255).astype(np.uint8).tobytes()
            assert pixels in originals or pixels in mirrors, "neither the image nor its mirror"
            index = originals[pixels] if pixels in originals else mirrors[pixels]
            flipped += pixels not in originals
            assert one_hot.argmax() == labels[index]
            order.append(index)
    assert sorted(order) == list(range(40))  # every image exactly once per epoch
    assert order != list(range(40))  # shuffled
    assert 5 < flipped < 35  # about half flipped, horizontally


def tiny_data():
    train_labels, val_labels = balanced_labels(12, 1), balanced_labels(3, 2)
    return (synthetic_images(train_labels, 1), train_labels), (
        synthetic_images(val_labels, 2),
        val_labels,
    )


def test_training_is_deterministic_for_a_seed():
    train, val = tiny_data()
    params = cnn_params(epochs=2, batch_size=16, augment_shift=1)
    first = train_cnn(params, 3, train, val, 10)[0].get_weights()
    second = train_cnn(params, 3, train, val, 10)[0].get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_stage_writes_model_meta_and_dvclive_curves(tmp_path, params_file):
    train, val = tiny_data()
    split = tmp_path / "split"
    split.mkdir()
    save_split(split / "train.npz", *train)
    save_split(split / "val.npz", *val)
    save_classes(split, FASHION_MNIST_CLASSES)
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
            "--state",
            str(tmp_path / "state"),
        ]
    )
    assert not (tmp_path / "state").exists()  # a finished run leaves no resume state
    metrics = json.loads((live / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["trainable_params"] == 225_034
    assert 0 <= metrics["best_val_accuracy"] <= 1 and metrics["seconds_per_epoch"] > 0
    assert set(metrics) >= {"train", "eval", "best_epoch", "train_seconds"}
    assert metrics["precision"] in ("float32", "mixed_bfloat16")
    assert metrics["device"].startswith(("CPU: ", "GPU: "))
    for split_name in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            rows = (
                (live / "plots" / "metrics" / split_name / f"{metric}.tsv").read_text().splitlines()
            )
            assert rows[0] == f"step\t{metric}" and len(rows) == 3  # header + one row per epoch
    recorded = json.loads(meta.read_text())
    assert recorded["params"]["cnn"]["epochs"] == 2 and recorded["params"]["cnn"]["seed"] == 42
    assert recorded["versions"]["tensorflow"] and model.stat().st_size > 100_000
    # the environment: the lock's identity and every package (the CI report compares them)
    assert recorded["environment"]["lock"].startswith("sha256:")
    assert recorded["environment"]["packages"]["tensorflow"] == recorded["versions"]["tensorflow"]
    assert not list(tmp_path.glob(".*.tmp*"))


def test_bf16_model_computes_in_bf16_and_keeps_the_softmax_in_float32():
    model = build_cnn(cnn_params(), 10, "mixed_bfloat16")
    assert model.get_layer("conv1").compute_dtype == "bfloat16"
    assert model.get_layer("conv1").variable_dtype == "float32"  # weights stay float32
    assert model.get_layer("softmax").compute_dtype == "float32"
    out = model(np.zeros((2, 28, 28, 1), np.float32))
    assert out.dtype == "float32" and model.count_params() == 225_034
    assert build_cnn(cnn_params(), 10).get_layer("conv1").compute_dtype == "float32"


@pytest.mark.parametrize(
    ("requested", "hardware", "ran"),
    [
        ("auto", Hardware("Zen 4", frozenset({"avx512_bf16"})), "mixed_bfloat16"),
        ("auto", Hardware("old", frozenset({"avx2"})), "float32"),
        ("float32", Hardware("Zen 4", frozenset({"avx512_bf16"})), "float32"),
    ],
)
def test_training_resolves_precision_for_the_hardware_and_records_it(requested, hardware, ran):
    train, val = tiny_data()
    params = cnn_params(
        epochs=1, warmup_epochs=0, batch_size=16, precision=requested, predict_flip_average=False
    )
    model, summary = train_cnn(params, 3, train, val, 10, hardware=hardware, verbose=0)
    assert summary["precision"] == ran and summary["device"] == f"CPU: {hardware.cpu}"
    assert summary["onednn"] == onednn_state(hardware)
    expected = "bfloat16" if ran == "mixed_bfloat16" else "float32"
    assert model.get_layer("dense").compute_dtype == expected


def test_resnet_parameter_count_and_shapes_by_hand():
    # width 4, blocks [1, 1]: stem 3*3*1*4 = 36 + BN 4*4 = 16 (gamma, beta, mean, variance);
    # stage 1 (4 filters, 28x28): two convs 3*3*4*4 = 144 + BN 16 each;
    # stage 2 (8 filters, stride 2 -> 14x14): 1x1 projection 4*8 = 32 + BN 32, convs
    # 3*3*4*8 = 288 and 3*3*8*8 = 576, BN 32 each; dense 8*10 + 10 = 90.
    model = build_cnn(cnn_params(arch="resnet", resnet_width=4, resnet_blocks=[1, 1]), 10)
    assert model.count_params() == 36 + 16 + 2 * (144 + 16) + 32 + 32 + 288 + 32 + 576 + 32 + 90
    assert model.get_layer("stage1_block1_out").output.shape[1:] == (28, 28, 4)
    assert model.get_layer("stage2_block1_out").output.shape[1:] == (14, 14, 8)
    assert model.output_shape == (None, 10)
    assert model.get_layer("softmax").compute_dtype == "float32"
    bf16 = build_cnn(
        cnn_params(arch="resnet", resnet_width=4, resnet_blocks=[1]), 10, "mixed_bfloat16"
    )
    assert bf16.get_layer("stem").compute_dtype == "bfloat16"
    assert bf16.get_layer("softmax").compute_dtype == "float32"


def test_resnet_ignores_the_lenet_keys_and_the_lenet_the_resnet_keys():
    # conv_layers 5 with 9x9 kernels cannot shape a LeNet, but a resnet never reads them
    resnet = cnn_params(arch="resnet", conv_layers=5, kernel_size=9, resnet_blocks=[1])
    assert resnet.ignored_keys() == [
        "cnn.conv_layers",
        "cnn.filters",
        "cnn.kernel_size",
        "cnn.dense_units",
    ]
    assert (
        build_cnn(resnet, 10).count_params()
        == build_cnn(cnn_params(arch="resnet", resnet_blocks=[1]), 10).count_params()
    )
    assert cnn_params().ignored_keys() == ["cnn.resnet_width", "cnn.resnet_blocks"]
    assert build_cnn(cnn_params(resnet_width=64, resnet_blocks=[8]), 10).count_params() == 225_034


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_weight_decay_shrinks_kernels_by_lr_times_decay_and_leaves_bn_and_biases(optimizer):
    params = cnn_params(
        arch="resnet",
        resnet_width=4,
        resnet_blocks=[1],
        optimizer=optimizer,
        learning_rate=0.1,
        lr_schedule="constant",
        warmup_epochs=0,
        weight_decay=0.5,
    )
    model = build_cnn(params, 10)
    before = {v.path: v.numpy() for v in model.trainable_variables}
    decayed = make_optimizer(params, steps_per_epoch=10)
    # zero gradients: the optimizers' own steps are 0, what moves is the decay alone
    decayed.apply_gradients([(np.zeros(v.shape, np.float32), v) for v in model.trainable_variables])
    for variable in model.trainable_variables:
        old, new = before[variable.path], variable.numpy()
        if variable.name == "kernel":  # each step: w -= 0.1 * 0.5 * w
            np.testing.assert_allclose(new, old * 0.95, rtol=1e-6)
        else:  # batch-norm gamma and beta, the dense bias
            assert variable.name in ("gamma", "beta", "bias")
            np.testing.assert_array_equal(new, old)
    assert make_optimizer(cnn_params(optimizer=optimizer), 10).weight_decay is None  # 0 is off


def test_flip_average_predicts_the_mean_of_image_and_mirror_and_survives_saving(tmp_path):
    train, val = tiny_data()
    params = cnn_params(
        arch="resnet",
        resnet_width=4,
        resnet_blocks=[1],
        epochs=1,
        warmup_epochs=0,
        batch_size=16,
        predict_flip_average=False,
    )
    plain, _ = train_cnn(params, 3, train, val, 10, verbose=0)
    averaged, summary = train_cnn(
        dataclasses.replace(params, predict_flip_average=True), 3, train, val, 10, verbose=0
    )
    x = np.random.default_rng(0).random((5, 28, 28, 1), np.float32)
    mirrored = x[:, :, ::-1]
    expected = (plain.predict(x, verbose=0) + plain.predict(mirrored, verbose=0)) / 2
    np.testing.assert_allclose(averaged.predict(x, verbose=0), expected, atol=1e-6)
    # a mirror image gets the same prediction as the image itself; the plain model does not
    np.testing.assert_allclose(averaged.predict(mirrored, verbose=0), expected, atol=1e-6)
    assert not np.allclose(plain.predict(x, verbose=0), plain.predict(mirrored, verbose=0))
    assert averaged.count_params() == plain.count_params()  # shared weights, none added
    assert summary["trainable_params"] == sum(w.numpy().size for w in averaged.trainable_weights)

    # evaluate loads the saved model (its mirror layer included) and predicts the same labels
    path, svm = tmp_path / "cnn.keras", tmp_path / "svm.skops"
    averaged.save(path)
    save_svm_model(Pipeline([("svc", SVC())]), svm)  # loaded, not used
    images = val[0]
    predicted = averaged.predict(to_cnn_input(images), verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(load_predictors(path, svm, 1024)["cnn"](images), predicted)


def test_fused_batch_norm_computes_what_keras_batch_norm_does():
    x = np.random.default_rng(0).normal(3.0, 2.0, (8, 7, 7, 5)).astype(np.float32)
    keras_bn = keras.layers.BatchNormalization(momentum=0.9)
    fused = FusedBatchNormalization(momentum=0.9)
    keras_bn.build(x.shape)
    fused.build(x.shape)
    for layer in (keras_bn, fused):  # the same non-trivial scale and offset in both
        layer.gamma.assign(np.linspace(0.5, 2.0, 5))
        layer.beta.assign(np.linspace(-1.0, 1.0, 5))
    for _ in range(3):  # training: batch statistics, and the moving ones updated alike
        np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), atol=1e-4)
    np.testing.assert_allclose(fused.moving_mean, keras_bn.moving_mean, rtol=1e-5)
    np.testing.assert_allclose(fused.moving_variance, keras_bn.moving_variance, rtol=1e-5)
    assert not np.allclose(fused.moving_mean, 0)  # 3 updates of momentum 0.9 moved them
    np.testing.assert_allclose(fused(x, training=False), keras_bn(x, training=False), atol=1e-4)
    # bf16 activations with float32 scale and offset, as in a mixed_bfloat16 ResNet
    bf16 = FusedBatchNormalization(dtype="mixed_bfloat16")
    out = bf16(keras.ops.cast(x, "bfloat16"), training=True)
    assert out.dtype == "bfloat16" and bf16.gamma.dtype == "float32"
    np.testing.assert_allclose(np.asarray(out, np.float32).mean(axis=(0, 1, 2)), 0, atol=0.02)


def test_resnet_uses_the_fused_layer_and_keras_batch_norm_can_stand_in():
    params = cnn_params(arch="resnet", resnet_width=4, resnet_blocks=[1, 1])
    fused = build_cnn(params, 10)
    keras_bn = build_resnet(params, 10, batch_norm=keras.layers.BatchNormalization)
    norms = [type(layer) for layer in fused.layers if "bn" in layer.name]
    assert norms == [FusedBatchNormalization] * 6  # stem, 2 + 2 in blocks, 1 projection
    assert keras_bn.count_params() == fused.count_params()
    assert [w.shape for w in keras_bn.weights] == [w.shape for w in fused.weights]


def test_warmup_rises_linearly_to_the_rate_then_cosine_decays_to_zero():
    params = cnn_params(learning_rate=0.004, epochs=10, warmup_epochs=2, lr_schedule="cosine")
    schedule = learning_rate_schedule(params, steps_per_epoch=100)
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    rate = {step: float(schedule(step)) for step in (0, 100, 200, 600, 1000)}
    assert rate[0] == 0.0
    assert rate[100] == pytest.approx(0.002)  # half-way through the 200 warm-up steps
    assert rate[200] == pytest.approx(0.004)
    assert rate[600] == pytest.approx(0.002)  # half-way through the 800 decay steps: cos(pi/2)
    assert rate[1000] == pytest.approx(0.0, abs=1e-9)
    # without warm-up the schedule is the earlier one: cosine from the rate over all steps
    plain = learning_rate_schedule(cnn_params(learning_rate=0.004, epochs=10, warmup_epochs=0), 100)
    assert float(plain(0)) == pytest.approx(0.004) and float(plain(500)) == pytest.approx(0.002)


def test_an_epoch_is_whole_executions_and_dropout_draws_depend_on_the_epoch_alone():
    assert steps_per_epoch(54_000, 128) == 424  # 422 batches, rounded up to executions of 8
    assert steps_per_epoch(64, 16) == 8
    model = build_cnn(cnn_params(dropout=0.5), 10)
    reseed = EpochSeeds(7)
    reseed.set_model(model)
    x = np.ones((4, 28, 28, 1), np.float32)

    def draws(epoch):
        reseed.on_epoch_begin(epoch)
        return [model(x, training=True).numpy() for _ in range(2)]

    first = draws(3)
    draws(0)
    np.testing.assert_array_equal(draws(3), first)  # epoch 3 again: the same masks
    assert not np.array_equal(draws(4)[0], first[0])
    assert not np.array_equal(first[0], first[1])  # and they change from step to step


def test_training_batches_run_epoch_after_epoch_and_a_later_start_continues_them():
    labels = balanced_labels(6)  # 60 images, batches of 16: 4 per epoch, the last one of 12
    images = synthetic_images(labels)
    augment = {"flip": True, "shift": 1, "erase": 0.5}
    batches = list(training_dataset(images, labels, 16, 5, 10, **augment).take(10))
    assert [len(y) for _, y in batches] == [16, 16, 16, 12] * 2 + [16, 16]
    epoch1, labels1 = epoch_images(images, labels, 5, 1, **augment)
    np.testing.assert_array_equal(to_cnn_input(epoch1[:16]), batches[4][0].numpy())
    np.testing.assert_array_equal(labels1[:16], batches[4][1].numpy().argmax(axis=1))
    resumed = training_dataset(images, labels, 16, 5, 10, **augment, first_batch=6)
    for (x, y), (x_expected, y_expected) in zip(resumed.take(4), batches[6:], strict=True):
        np.testing.assert_array_equal(x.numpy(), x_expected.numpy())
        np.testing.assert_array_equal(y.numpy(), y_expected.numpy())


@pytest.mark.parametrize("ema_momentum", [0, 0.9])
def test_the_weights_kept_are_the_ones_validated_with_or_without_the_moving_average(ema_momentum):
    train, val = tiny_data()
    params = cnn_params(
        epochs=3,
        batch_size=16,
        ema_momentum=ema_momentum,
        learning_rate=0.01,
        predict_flip_average=False,  # the model validated: the plain one
    )
    logged = keras.callbacks.History()
    model, summary = train_cnn(params, 3, train, val, 10, [logged], verbose=0)
    best_loss = logged.history["val_loss"][summary["best_epoch"] - 1]
    model.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing))
    loss = model.evaluate(eval_dataset(*val, 16, 10), verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(best_loss, rel=1e-5)
    if ema_momentum:  # the average is not the last weights: a run without it ends elsewhere
        plain, _ = train_cnn(
            dataclasses.replace(params, ema_momentum=0), 3, train, val, 10, verbose=0
        )
        assert not np.array_equal(model.get_weights()[0], plain.get_weights()[0])
