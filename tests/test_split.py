import json

import numpy as np
import pytest

from fmnist.data.content import content_draws
from fmnist.data.dataset import Dataset
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.split import assign_splits, check_splits, content_subset
from fmnist.data.split_files import load_classes, load_split
from fmnist.errors import DataError, ParamsError
from stages import split as split_stage
from tests.helpers import balanced_labels, split_args


def noise_dataset(labels, origins="pool", seed=0):
    """Distinct random images (their content decides their split) with these labels."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    classes = tuple(f"c{i}" for i in range(int(labels.max()) + 1))
    origins = np.full(len(labels), origins, dtype=object) if isinstance(origins, str) else origins
    names = np.array([f"img{i}" for i in range(len(labels))], dtype=object)
    return Dataset(images, np.asarray(labels), classes, origins, names)


def test_draws_depend_only_on_the_picture_and_the_seed():
    images = np.random.default_rng(0).integers(0, 256, (500, 28, 28), dtype=np.uint8)
    draws = content_draws(images, 42, "split")
    assert draws.min() >= 0 and draws.max() < 1 and 0.4 < draws.mean() < 0.6
    # the same picture draws the same number wherever it is and whatever else is there
    np.testing.assert_array_equal(content_draws(images[::-1][:100], 42, "split"), draws[::-1][:100])
    assert not np.allclose(content_draws(images, 43, "split"), draws)
    assert not np.allclose(content_draws(images, 42, "subset"), draws)


def test_a_pool_is_divided_by_the_fractions_and_given_test_images_stay_test():
    labels = balanced_labels(400, classes=5)
    split = assign_splits(noise_dataset(labels), 0.1, 0.2, 0, seed=42)
    shares = {name: float(np.mean(split == name)) for name in ("train", "val", "test")}
    assert shares["test"] == pytest.approx(0.2, abs=0.03)
    assert shares["val"] == pytest.approx(0.8 * 0.1, abs=0.02)
    origins = np.where(np.arange(len(labels)) < 500, "test", "train").astype(object)
    given = assign_splits(noise_dataset(labels, origins), 0.1, 0.2, 0, seed=42)
    assert (given[:500] == "test").all() and "test" not in set(given[500:])
    assert np.mean(given[500:] == "val") == pytest.approx(0.1, abs=0.02)


def test_adding_images_moves_no_existing_image():
    old = noise_dataset(balanced_labels(200, classes=4), seed=1)
    extra = noise_dataset(balanced_labels(50, classes=4), seed=2)
    grown = Dataset(
        np.concatenate([extra.images, old.images]),  # new images first: places shift
        np.concatenate([extra.labels, old.labels]),
        old.classes,
        np.concatenate([extra.origins, old.origins]),
        np.concatenate([extra.names, old.names]),
    )
    before = assign_splits(old, 0.1, 0.15, 0, seed=3)
    after = assign_splits(grown, 0.1, 0.15, 0, seed=3)
    np.testing.assert_array_equal(after[len(extra) :], before)


def test_copies_of_one_picture_share_a_split():
    data = noise_dataset(balanced_labels(100, classes=3))
    twice = Dataset(
        np.concatenate([data.images, data.images]),
        np.concatenate([data.labels, data.labels]),
        data.classes,
        np.concatenate([data.origins, data.origins]),
        np.concatenate([data.names, data.names]),
    )
    split = assign_splits(twice, 0.2, 0.2, 0, seed=0)
    np.testing.assert_array_equal(split[:300], split[300:])


def test_train_limit_keeps_that_many_with_the_class_shares():
    labels = np.repeat(np.arange(4), [100, 100, 300, 500])
    data = noise_dataset(labels, "train")
    split = assign_splits(data, 0.1, 0.15, 200, seed=0)
    kept = split != ""
    assert kept.sum() == 200
    np.testing.assert_array_equal(np.bincount(labels[kept]), [20, 20, 60, 100])
    keep = content_subset(labels, np.linspace(0, 1, len(labels)), 0, "k")
    assert keep.all()


def test_train_limit_outside_the_data_is_refused_with_the_key():
    with pytest.raises(
        ParamsError,
        match=r"^split\.train_limit = 7000 is not allowed; expected 0 \(all\) or from 4 \(one "
        r"image per class\) to 1000",
    ):
        assign_splits(noise_dataset(balanced_labels(250, classes=4), "train"), 0.1, 0.1, 7000, 0)


def test_a_class_without_a_training_image_after_the_split_is_refused():
    labels = np.array([0] * 50 + [1] * 50 + [2])
    data = noise_dataset(labels)
    split = assign_splits(data, 0.1, 0.2, 0, seed=0)
    split[-1] = "test"  # as if the one c2 image drew test
    with pytest.raises(DataError, match=r"^d: class c2 has no training image after the split"):
        check_splits(data, split, "d")


def test_main_writes_arrays_class_names_and_counts(raw_dir, tmp_path, params_file):
    out, metrics = tmp_path / "split", tmp_path / "data.json"
    params = params_file(
        data={"source": "fashion-mnist", "path": str(raw_dir), "classes": []},
        split={"val_fraction": 0.2, "train_limit": 0},
    )
    split_stage.main(split_args(params, tmp_path))
    counts = json.loads(metrics.read_text())
    assert counts["test"]["total"] == 100  # t10k: the official test set, whole
    assert counts["train"]["total"] + counts["val"]["total"] == 300
    assert 40 <= counts["val"]["total"] <= 80  # ~20% of 300, drawn by content
    assert list(counts["val"]["per_class"]) == list(FASHION_MNIST_CLASSES)
    images, labels = load_split(out, "train")
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    assert load_classes(out) == FASHION_MNIST_CLASSES
    assert sorted(p.name for p in out.iterdir()) == [
        "classes.json", "excluded.npz", "prepared.json", "test.npz", "train.npz", "val.npz",
    ]  # fmt: skip
    assert json.loads((out / "prepared.json").read_text()) == {
        "prepare": "fashion-mnist", "invert": "auto",
    }  # fmt: skip
    assert counts["excluded"] == {"empty": 0, "label_conflict": 0}
    assert (tmp_path / "excluded.csv").read_text() == "name,image,label,reason\n"
