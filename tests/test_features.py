import numpy as np
import pytest
from skimage.feature import hog

from fmnist.models.features import FEATURES, feature_transformer, hog_features, pixels_and_hog


def skimage_hog(images):
    return np.stack(
        [hog(i, orientations=9, pixels_per_cell=(4, 4), cells_per_block=(2, 2)) for i in images]
    )


@pytest.mark.parametrize("scale", [1.0, 1 / 255])
def test_batched_hog_equals_skimage_hog(scale):
    images = np.random.default_rng(0).integers(0, 256, (40, 28, 28)) * scale
    ours = hog_features(images)
    assert ours.shape == (40, 1296) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, skimage_hog(images), atol=2e-6)


def test_hog_accepts_flat_rows_and_chunks_consistently():
    images = np.random.default_rng(1).random((10, 28, 28))
    np.testing.assert_array_equal(hog_features(images.reshape(10, -1)), hog_features(images))


def test_constant_image_has_no_gradients():
    assert not hog_features(np.full((2, 28, 28), 0.5)).any()


def test_pixels_and_hog_stacks_both():
    images = np.random.default_rng(2).random((3, 784)).astype(np.float32)
    both = pixels_and_hog(images)
    assert both.shape == (3, 784 + 1296)
    np.testing.assert_array_equal(both[:, :784], images)


def test_feature_transformer_kinds():
    images = np.random.default_rng(3).random((2, 784))
    widths = {kind: feature_transformer(kind).fit_transform(images).shape[1] for kind in FEATURES}
    assert widths == {"pixels": 784, "hog": 1296, "pixels+hog": 2080}
    with pytest.raises(ValueError, match="unknown feature kind 'sift'"):
        feature_transformer("sift")
