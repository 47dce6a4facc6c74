import json

import numpy as np
import pytest

from fmnist.data.dataset import CLASS_NAMES, load_split
from fmnist.data.split import split_indices, stratified_subset
from fmnist.errors import ParamsError
from stages import split as split_stage


def labels_of(per_class):
    return np.repeat(np.arange(10), per_class)


def test_split_is_stratified_disjoint_and_complete():
    labels = labels_of(600)
    train, val = split_indices(labels, 0.1, 0, seed=1)
    assert len(train) == 5400 and len(val) == 600
    assert np.intersect1d(train, val).size == 0
    assert np.union1d(train, val).size == 6000
    assert np.all(np.bincount(labels[val]) == 60)
    assert np.all(np.bincount(labels[train]) == 540)


def test_split_is_deterministic_per_seed():
    labels = labels_of(100)
    a, b = split_indices(labels, 0.2, 0, 7), split_indices(labels, 0.2, 0, 7)
    c = split_indices(labels, 0.2, 0, 8)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_train_limit_keeps_stratification():
    labels = labels_of(600)
    train, val = split_indices(labels, 0.1, 3000, seed=0)
    assert len(train) + len(val) == 3000
    assert np.all(np.bincount(labels[train]) == 270)
    assert np.all(np.bincount(labels[val]) == 30)


def test_train_limit_larger_than_the_data_is_refused():
    with pytest.raises(
        ParamsError,
        match=r"split\.train_limit = 7000 is not allowed; expected 0 \(all\) or from 10 \(one image per class\) to 6000",
    ):
        split_indices(labels_of(600), 0.1, 7000, 0)


def test_stratified_subset_keeps_class_proportions_and_names_the_key():
    labels = np.repeat(np.arange(10), [50] * 5 + [150] * 5)  # 1,000 labels, two class sizes
    keep = stratified_subset(labels, 200, seed=0, key="svm.train_limit")
    assert len(keep) == 200 and np.all(np.diff(keep) > 0)
    np.testing.assert_array_equal(np.bincount(labels[keep]), [10] * 5 + [30] * 5)
    assert not np.array_equal(keep, stratified_subset(labels, 200, seed=1, key="k"))
    np.testing.assert_array_equal(stratified_subset(labels, 0, 0, "k"), np.arange(1000))
    with pytest.raises(
        ParamsError, match=r"^svm\.train_limit = 5 is not allowed; expected 0 \(all\) or from 10"
    ):
        stratified_subset(labels, 5, 0, "svm.train_limit")


def test_main_writes_arrays_and_class_counts(raw_dir, tmp_path, params_file):
    out, metrics = tmp_path / "split", tmp_path / "data.json"
    params = params_file(split={"val_fraction": 0.2, "train_limit": 0})
    split_stage.main(
        ["--params", str(params), "--raw", str(raw_dir), "--out", str(out), "--metrics", str(metrics)]
    )
    counts = json.loads(metrics.read_text())
    assert {k: v["total"] for k, v in counts.items()} == {"train": 240, "val": 60, "test": 100}
    assert counts["val"]["per_class"] == dict.fromkeys(CLASS_NAMES, 6)
    images, labels = load_split(out, "train")
    assert images.shape == (240, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.uint8
    assert sorted(p.name for p in out.iterdir()) == ["test.npz", "train.npz", "val.npz"]
