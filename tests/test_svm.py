import numpy as np
import pytest

from fmnist.errors import ParamsError
from fmnist.models.svm import build_svm, fit_svm, score_svm
from tests.helpers import balanced_labels, project_params, synthetic_images


def svm_params(**changes):
    return project_params(svm=changes).svm


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
@pytest.mark.parametrize(("pca", "standardize"), [(0, False), (20, False), (20, True)])
def test_pipeline_steps_follow_params(kernel, pca, standardize):
    pipeline = build_svm(svm_params(kernel=kernel, pca_components=pca, standardize=standardize))
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
    pipeline, fit = fit_svm(svm_params(features=features, pca_components=10), *train)
    assert fit["train_images"] == 200 and fit["fit_seconds"] >= 0
    assert 0 < fit["support_vectors"] <= 200
    score = score_svm(pipeline, *val)
    assert score["accuracy"] >= 0.9  # the synthetic classes are separable
    assert score["predict_images_per_second"] > 0
    predicted = pipeline.predict(val[0].reshape(len(val[0]), -1) / 255.0)
    assert score["accuracy"] == np.mean(predicted == val[1])


def test_train_limit_fits_a_stratified_subset():
    labels = balanced_labels(50)
    images = synthetic_images(labels)
    pipeline, fit = fit_svm(svm_params(train_limit=100, pca_components=10), images, labels)
    assert fit["train_images"] == 100
    assert len(pipeline.named_steps["svc"].classes_) == 10
    with pytest.raises(ParamsError, match=r"svm\.train_limit = 10 is not allowed"):
        fit_svm(svm_params(train_limit=10, pca_components=10), images[:5], labels[:5])


def test_svm_seed_draws_the_subset_and_repeats_exactly():
    labels = balanced_labels(50)
    images = synthetic_images(labels)

    def vectors(seed):
        params = svm_params(seed=seed, train_limit=100, pca_components=10)
        return fit_svm(params, images, labels)[0].named_steps["svc"].support_vectors_

    assert np.array_equal(vectors(3), vectors(3))
    assert vectors(3).shape != vectors(4).shape or not np.array_equal(vectors(3), vectors(4))
