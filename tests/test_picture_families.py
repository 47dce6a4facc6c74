"""People's kinds of pictures, made from real test images, classified as `fmnist predict` does.

A small CNN (the project's model and augmentation, three epochs on 30,000 real training
images) is trained here, so the test runs on a fresh clone before the pipeline has made its models. Each family
of :mod:`fmnist.testing.pictures` (1,000 test images written as picture files, read back through
``read_items``) must score within its tolerance of the plain 28x28 PNGs. The trained
pipeline's numbers are in docs/models.md (``benchmarks/picture_families.py``).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fmnist.data.augment import epoch_images
from fmnist.data.idx import read_idx
from fmnist.inference.inputs import read_items
from fmnist.models.cnn import build_cnn
from fmnist.pictures.pixels import to_cnn_input
from fmnist.pictures.prepare import PrepareSpec
from fmnist.testing.pictures import FAMILIES, build_family
from tests.helpers import DEBIAN_DATA, project_params, require_real_data

pytestmark = pytest.mark.slow
IMAGES = 1000


@pytest.fixture(scope="module")
def model():
    require_real_data()
    images = read_idx(DEBIAN_DATA / "train-images-idx3-ubyte.gz")[:30_000]
    labels = read_idx(DEBIAN_DATA / "train-labels-idx1-ubyte.gz")[:30_000]
    keras.utils.set_random_seed(0)
    cnn = build_cnn(project_params().cnn, 10)
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # the pipeline's own augmentation (params.yaml: flips, shifts of 1 pixel): without it a
    # model is about 1 point less sure of a picture re-centred by 1 pixel, and with seed 1
    # instead of 0 one family fell 2.2 points; with it the worst family was -0.9 and -1.4
    for epoch in range(3):
        x, y = epoch_images(images, labels, seed=0, epoch=epoch, flip=True, shift=1)
        cnn.fit(to_cnn_input(x), y, epochs=1, batch_size=128, verbose=0)
    return cnn


@pytest.fixture(scope="module")
def test_set():
    require_real_data()
    images = read_idx(DEBIAN_DATA / "t10k-images-idx3-ubyte.gz")[:IMAGES]
    labels = read_idx(DEBIAN_DATA / "t10k-labels-idx1-ubyte.gz")[:IMAGES]
    return images, labels


def accuracy(model, name, test_set, folder) -> tuple[float, list]:
    images, labels = test_set
    items = [
        item
        for path in build_family(name, images, folder)
        for item in read_items(path, PrepareSpec())
    ]
    x = np.stack([item.image for item in items])
    predicted = model.predict(to_cnn_input(x), batch_size=1000, verbose=0).argmax(axis=1)
    return float(np.mean(predicted == labels)), items


def test_each_family_of_pictures_scores_within_its_tolerance_of_the_plain_images(
    model, test_set, tmp_path
):
    plain, items = accuracy(model, "plain 28x28 PNG", test_set, tmp_path / "plain")
    assert plain > 0.85  # a working model: the families' numbers mean something
    # the dataset's own images pass through unchanged
    np.testing.assert_array_equal(np.stack([item.image for item in items]), test_set[0])
    scores = {}
    for i, name in enumerate(FAMILIES):
        scores[name] = accuracy(model, name, test_set, tmp_path / str(i))[0]
        print(f"{name}: {scores[name]:.3f} ({100 * (scores[name] - plain):+.1f} points)")
    for name, (_, tolerance) in FAMILIES.items():
        if tolerance is not None:
            assert scores[name] >= plain - tolerance / 100, (name, scores[name], plain)
    # the 16-bit PNGs are the dataset's images, scaled back exactly
    assert scores["16-bit grey PNG"] == plain
