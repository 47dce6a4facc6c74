import numpy as np
import pytest
import yaml

from stages.errors import ParamsError
from stages.params import SvmParams, build_section
from stages.svm import build_svm
from stages.train_svm import limit_training_set, train_svm
from tests.conftest import ROOT, balanced_labels, synthetic_images


def svm_params(**changes) -> SvmParams:
    section = yaml.safe_load((ROOT / "params.yaml").read_text())["svm"]
    return build_section(SvmParams, "svm", {**section, **changes})


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
@pytest.mark.parametrize(("pca", "standardize"), [(0, False), (20, False), (20, True)])
def test_pipeline_steps_follow_params(kernel, pca, standardize):
    pipeline = build_svm(svm_params(kernel=kernel, pca_components=pca, standardize=standardize), 0)
    expected = ["features"] + (["pca"] if pca else []) + (["scale"] if standardize else []) + ["svc"]
    assert [name for name, _ in pipeline.steps] == expected
    assert pipeline.named_steps["svc"].kernel == kernel
    if pca:
        assert pipeline.named_steps["pca"].n_components == pca


@pytest.mark.parametrize("features", ["pixels", "hog", "pixels+hog"])
def test_fit_on_synthetic_data_learns_and_reports(features):
    train_labels, val_labels = balanced_labels(20, 1), balanced_labels(5, 2)
    train = (synthetic_images(train_labels, 1), train_labels)
    val = (synthetic_images(val_labels, 2), val_labels)
    pipeline, summary = train_svm(svm_params(features=features, pca_components=10), 0, train, val)
    assert summary["train_images"] == 200
    assert summary["val_accuracy"] >= 0.9  # the synthetic classes are separable
    assert summary["fit_seconds"] >= 0 and summary["predict_images_per_second"] > 0
    assert 0 < summary["support_vectors"] <= 200
    predicted = pipeline.predict(val[0].reshape(len(val[0]), -1) / 255.0)
    assert summary["val_accuracy"] == np.mean(predicted == val[1])


def test_train_limit_draws_a_stratified_subset():
    labels = balanced_labels(50)
    images = synthetic_images(labels)
    small_images, small_labels = limit_training_set(images, labels, 100, seed=0)
    assert small_images.shape == (100, 28, 28)
    assert np.all(np.bincount(small_labels) == 10)
    assert limit_training_set(images, labels, 0, 0)[0] is images
    with pytest.raises(ParamsError, match=r"svm\.train_limit = 5 is not allowed"):
        limit_training_set(images, labels, 5, 0)
