"""The three preparations of data.prepare, the choices kept in one place, and the split's
exclusions (empty pictures, one content under two labels with data.conflicts)."""

import typing

import numpy as np
import pytest

from fmnist.data.dataset import Dataset, check_dataset
from fmnist.data.sources import SOURCES
from fmnist.data.split import exclude
from fmnist.errors import DataError
from fmnist.params.schema import DataParams, Invert, Preparation
from fmnist.pictures.prepare import INVERT_CHOICES, PREPARATIONS, PrepareSpec, fit, stretch


def test_the_choices_of_the_params_are_the_registered_ones():
    hints = typing.get_type_hints(DataParams)
    assert typing.get_args(hints["source"]) == tuple(SOURCES)
    assert typing.get_args(Preparation) == tuple(PREPARATIONS)
    assert typing.get_args(Invert) == INVERT_CHOICES


def digit(height: int = 8, width: int = 8) -> np.ndarray:
    """A light stroke on black that touches the picture's frame: a digit as sklearn keeps it."""
    image = np.zeros((height, width), np.uint8)
    image[:, width // 2 - 1 : width // 2 + 1] = 255
    image[0, :] = 255
    return image


def test_fit_scales_the_whole_picture_and_keeps_its_aspect_and_frame():
    prepared = fit(digit(8, 16))  # twice as wide as high: 28 x 14 in the middle
    image = prepared.image
    assert image.shape == (28, 28) and not prepared.inverted
    rows = np.flatnonzero(image.max(axis=1) > 0)
    assert rows[0] == 7 and rows[-1] == 20  # 14 rows, centred: the padding is the background
    assert image[:7].max() == 0 and image[21:].max() == 0
    assert image[7].mean() > 200  # the top row of the picture is kept (nothing trimmed)


def test_fit_makes_a_dark_item_on_white_light_on_black_and_pads_with_that_background():
    picture = 255 - digit(16, 8)  # a dark digit on white
    prepared = fit(picture)
    assert prepared.inverted
    assert prepared.image[:, :7].max() == 0 and prepared.image[:, 21:].max() == 0
    assert fit(picture, "no").image[:, :7].min() == 255  # not inverted: a white background
    grey = np.full((16, 8), 90, np.uint8)
    grey[4:12, 3:5] = 250  # a light item on a grey background: padded with that grey
    assert fit(grey).image[0, 0] == 90


def test_stretch_fills_28x28_whatever_the_aspect():
    image = stretch(digit(8, 40)).image
    assert image.shape == (28, 28) and image[0].min() > 200  # the top row spans the width


@pytest.mark.parametrize("how", list(PREPARATIONS))
def test_a_dataset_image_passes_every_preparation_unchanged(how):
    image = np.zeros((28, 28), np.uint8)
    image[5:20, 8:18] = np.arange(10, dtype=np.uint8) * 20 + 30
    assert np.array_equal(PrepareSpec(how)(image).image, image)


def test_the_fashion_mnist_way_trims_a_small_mark_to_a_block_fit_keeps_its_place():
    mark = np.zeros((8, 8), np.uint8)
    mark[1:4, 1:4] = 200  # a dot in a corner of its frame
    fashion, whole = PrepareSpec("fashion-mnist")(mark), PrepareSpec("fit")(mark)
    assert (fashion.image > 0).mean() > 0.9  # trimmed to the dot, then enlarged: a block
    assert (whole.image > 0).mean() < 0.25 and whole.image[20:, 20:].max() == 0
    assert PrepareSpec.from_record({}) == PrepareSpec("fashion-mnist", "auto")
    assert PrepareSpec.from_record(PrepareSpec("fit", "no").to_record()) == PrepareSpec("fit", "no")


def dataset(images: np.ndarray, labels: list[int]) -> Dataset:
    return Dataset(
        images=images,
        labels=np.array(labels),
        classes=("a", "b"),
        origins=np.full(len(labels), "pool", dtype=object),
        names=np.array([f"p{i}.png" for i in range(len(labels))], dtype=object),
    )


def test_conflicts_are_refused_by_default_and_dropped_with_their_names_on_request():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    images[3] = images[0]  # the same picture as a and as b
    images[5] = 0  # nothing to see once prepared
    data = dataset(images, [0, 1, 0, 1, 1, 0])
    kept, excluded = exclude(data, "refuse")
    assert excluded.table()[["name", "reason"]].values.tolist() == [["p5.png", "empty"]]
    with pytest.raises(DataError, match=r"p0\.png \(a\) and p3\.png \(b\); 1 such pair.*drop"):
        check_dataset(kept, "d")
    kept, excluded = exclude(data, "drop")
    assert kept.names.tolist() == ["p1.png", "p2.png", "p4.png"]
    assert excluded.counts() == {"empty": 1, "label_conflict": 2}
    table = excluded.table()
    assert table["reason"].tolist() == ["label_conflict", "label_conflict", "empty"]
    assert table["label"].tolist() == ["a", "b", "a"] and len(set(table["image"][:2])) == 1
    assert check_dataset(kept, "d") is kept
