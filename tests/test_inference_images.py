import numpy as np
import pytest
from PIL import Image

from fmnist.inference.images import (
    border_mean,
    fashion_mnist_like,
    pad_to_square,
    should_invert,
    to_grey,
)


def dark_item(height=28, width=28):
    """A light rectangle on black, like a Fashion-MNIST image."""
    image = np.zeros((height, width), np.uint8)
    image[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 200
    return image


def test_border_mean_reads_only_the_outermost_pixels():
    image = np.full((5, 7), 10, np.uint8)
    image[1:-1, 1:-1] = 250  # the inside does not count
    assert border_mean(image) == 10
    image[0, :] = 255  # 7 of the 20 border pixels
    assert border_mean(image) == pytest.approx((7 * 255 + 13 * 10) / 20)


@pytest.mark.parametrize(
    ("background", "invert", "expected"),
    [(0, "auto", False), (255, "auto", True), (128, "auto", False), (129, "auto", True),
     (0, "yes", True), (255, "no", False)],
)  # fmt: skip
def test_should_invert_decides_from_the_border_unless_told(background, invert, expected):
    image = np.full((10, 10), background, np.uint8)
    image[3:7, 3:7] = 255 - background
    assert should_invert(image, invert) is expected


def test_pad_to_square_keeps_the_aspect_ratio_and_centres():
    tall = np.full((6, 2), 9, np.uint8)
    square = pad_to_square(tall, fill=1)
    assert square.shape == (6, 6)
    np.testing.assert_array_equal(square[:, 2:4], tall)
    assert (square[:, :2] == 1).all() and (square[:, 4:] == 1).all()


def test_a_dataset_image_passes_unchanged():
    image = dark_item()
    out, inverted = fashion_mnist_like(image)
    assert not inverted
    np.testing.assert_array_equal(out, image)


def test_a_large_photo_on_white_is_inverted_padded_and_shrunk_without_stretching():
    # a dark 140x70 item on a white 200x100 photo: after inversion, light on black
    photo = np.full((200, 100), 255, np.uint8)
    photo[30:170, 15:85] = 30
    out, inverted = fashion_mnist_like(photo)
    assert inverted and out.shape == (28, 28) and out.dtype == np.uint8
    assert out[0, 0] == 0 and out.max() > 200  # black border, light item
    rows, cols = np.nonzero(out > 100)
    # 200 px -> 28 px: the item (19.6 x 9.8 px) stays 2:1 and centred; a stretch would make
    # it 19.6 x 19.6
    height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
    assert height in (19, 20, 21) and width in (9, 10, 11)
    assert (
        abs((rows.min() + rows.max()) / 2 - 13.5) <= 1
        and abs((cols.min() + cols.max()) / 2 - 13.5) <= 1
    )


def test_a_small_image_is_enlarged_to_28x28():
    out, inverted = fashion_mnist_like(dark_item(14, 14), invert="no")
    assert out.shape == (28, 28) and not inverted


def test_transparent_parts_count_as_white_and_colour_becomes_grey():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[2:6, 2:6] = (255, 0, 0, 255)  # an opaque red square, the rest transparent
    grey = to_grey(Image.fromarray(rgba, "RGBA"))
    assert grey.shape == (8, 8) and grey[0, 0] == 255
    assert grey[3, 3] == round(0.299 * 255)  # ITU-R 601 luma of pure red: 76
