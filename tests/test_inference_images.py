import numpy as np
import pytest
from PIL import Image

from fmnist.pictures.prepare import (
    background_level,
    border_pixels,
    fashion_mnist_like,
    item_on_black,
    noise_level,
    should_invert,
)
from fmnist.pictures.read import to_grey


def dark_item(height=28, width=28):
    """A light rectangle on black, like a Fashion-MNIST image."""
    image = np.zeros((height, width), np.uint8)
    image[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 200
    return image


def box_of(image, threshold=60):
    rows, cols = np.nonzero(image > threshold)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_border_pixels_are_the_outermost_rows_and_columns_each_once():
    image = np.full((5, 7), 10, np.uint8)
    image[1:-1, 1:-1] = 250  # the inside does not count
    assert border_pixels(image).tolist() == [10] * 20
    image[0, :] = 255  # 7 of the 20 border pixels
    assert sorted(border_pixels(image).tolist()) == [10] * 13 + [255] * 7


def test_the_background_is_the_border_s_median_and_the_noise_a_robust_deviation():
    image = np.full((40, 40), 230, np.uint8)
    image[0, :10] = 0  # an item touching the border does not move the median
    assert background_level(image) == 230 and noise_level(image) == 0
    noisy = np.clip(230 + np.random.default_rng(0).normal(0, 6, (200, 200)), 0, 255)
    assert abs(background_level(noisy.astype(np.uint8)) - 230) <= 1
    assert 5 <= noise_level(noisy.astype(np.uint8)) <= 7
    # a smooth item with sharp edges is not noise
    item = np.full((200, 200), 250, np.uint8)
    item[50:150, 60:140] = np.linspace(20, 120, 80, dtype=np.uint8)
    assert noise_level(item) == 0


@pytest.mark.parametrize(
    ("background", "invert", "expected"),
    [(0, "auto", False), (255, "auto", True), (128, "auto", False), (129, "auto", True),
     (0, "yes", True), (255, "no", False)],
)  # fmt: skip
def test_should_invert_decides_from_the_background_unless_told(background, invert, expected):
    assert should_invert(background, invert) is expected


def test_any_background_becomes_black_and_the_item_keeps_its_contrast():
    # a white, a beige and a dark grey backdrop: 0 where the backdrop is, in every case
    for background, inverted, item in ((255, True, 55), (220, True, 20), (40, False, 240)):
        grey = np.array([[background, item]], np.uint8)
        out = item_on_black(grey, background, inverted)
        assert out[0, 0] == 0 and out[0, 1] == pytest.approx(
            255 * 200 / (background if inverted else 215)
        )
    # white: the dataset's own negation
    grey = np.arange(256, dtype=np.uint8)[None]
    np.testing.assert_allclose(item_on_black(grey, 255, True), 255 - grey.astype(np.float32))


def test_a_dataset_image_passes_unchanged():
    image = dark_item()
    prepared = fashion_mnist_like(image)
    assert not prepared.inverted and prepared.warning is None
    np.testing.assert_array_equal(prepared.image, image)
    # the same image dark on white: only made light on black again, not trimmed or resized
    prepared = fashion_mnist_like(255 - image)
    assert prepared.inverted
    np.testing.assert_array_equal(prepared.image, image)


def test_a_large_photo_on_white_is_trimmed_scaled_to_fill_and_centred_without_stretching():
    # a dark 140x70 item on a white 200x100 photo: light on black, its longest edge filling 28
    photo = np.full((200, 100), 255, np.uint8)
    photo[30:170, 15:85] = 30
    prepared = fashion_mnist_like(photo)
    out = prepared.image
    assert prepared.inverted and out.shape == (28, 28) and out.dtype == np.uint8
    assert out[0, 0] == 0 and out.max() > 200  # black background, light item
    top, bottom, left, right = box_of(out)
    assert (top, bottom) == (0, 27)  # the longest edge fills the frame, as in the dataset
    assert right - left + 1 in (13, 14, 15)  # 2:1 kept: a stretch would make it 28 wide
    assert abs((left + right) / 2 - 13.5) <= 0.5  # centred


def test_the_same_item_small_anywhere_in_a_large_picture_gives_the_same_image():
    item = np.full((60, 30), 255, np.uint8)
    item[5:55, 5:25] = 40
    filled = fashion_mnist_like(item).image
    for top, left in ((0, 0), (300, 500), (123, 47)):
        picture = np.full((400, 560), 255, np.uint8)
        picture[top : top + 60, left : left + 30] = item
        np.testing.assert_array_equal(fashion_mnist_like(picture).image, filled)


def test_a_tinted_background_gives_what_a_white_one_gives():
    white = np.full((120, 90), 255, np.float32)
    white[20:100, 25:65] = 60
    tinted = np.round(white * 0.86).astype(np.uint8)  # a beige-grey backdrop, the same light
    np.testing.assert_allclose(
        fashion_mnist_like(tinted).image.astype(int),
        fashion_mnist_like(white.astype(np.uint8)).image.astype(int),
        atol=2,
    )


def test_noise_on_the_background_does_not_widen_the_trim():
    picture = np.full((300, 300), 250, np.float32)
    picture[100:200, 120:180] = 30
    rng = np.random.default_rng(1)
    noisy = np.clip(np.round(picture + rng.normal(0, 8, picture.shape)), 0, 255).astype(np.uint8)
    top, bottom, left, right = box_of(fashion_mnist_like(noisy).image)
    assert (top, bottom) == (0, 27) and right - left + 1 in (16, 17, 18)  # 100x60 -> 28x17


def test_a_picture_that_is_all_background_is_classified_as_a_whole_with_a_warning():
    for level in (255, 230, 0):
        prepared = fashion_mnist_like(np.full((50, 80), level, np.uint8))
        assert prepared.image.shape == (28, 28) and not prepared.image.any()
        assert prepared.warning == "all background, nothing to trim: classified as a whole"


def test_a_small_image_is_enlarged_to_28x28():
    prepared = fashion_mnist_like(np.pad(dark_item(14, 14), 1), invert="no")
    assert prepared.image.shape == (28, 28) and not prepared.inverted
    top, bottom, left, right = box_of(prepared.image)
    assert (top, bottom, left, right) == (0, 27, 0, 27)  # the 7x7 square, enlarged to fill


def test_transparent_parts_count_as_white_and_colour_becomes_grey():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[2:6, 2:6] = (255, 0, 0, 255)  # an opaque red square, the rest transparent
    grey = to_grey(Image.fromarray(rgba, "RGBA"))
    assert grey.shape == (8, 8) and grey[0, 0] == 255
    assert grey[3, 3] == round(0.299 * 255)  # ITU-R 601 luma of pure red: 76


def test_a_light_item_on_transparency_is_laid_on_black_with_invert_no():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[2:6, 2:6] = (200, 200, 200, 255)  # a light item, the rest transparent over black
    rgba[2:6, 6] = (200, 200, 200, 128)  # a half-transparent edge
    picture = Image.fromarray(rgba, "RGBA")
    on_white, on_black = to_grey(picture), to_grey(picture, invert="no")
    assert on_white[0, 0] == 255 and on_black[0, 0] == 0  # the transparent corner
    assert on_white[3, 3] == on_black[3, 3] == 200  # the opaque item as it is
    assert on_black[3, 6] == round(200 * 128 / 255) and on_white[3, 6] == round(
        200 * 128 / 255 + 255 * 127 / 255
    )


def test_sixteen_bit_pixels_are_scaled_not_clipped(tmp_path):
    image = dark_item()
    # a 16-bit grey PNG (0-65535): Pillow's own conversion to 8 bits would clip it to white
    Image.fromarray(image.astype(np.uint16) * 257).save(tmp_path / "wide.png")
    with Image.open(tmp_path / "wide.png") as reread:
        assert reread.mode.startswith("I")
        np.testing.assert_array_equal(to_grey(reread), image)
    # 32-bit integer pixels: 16-bit values are scaled, 8-bit ones kept
    wide = (image.astype(np.int32) * 257, image.astype(np.int32))
    for pixels in wide:
        np.testing.assert_array_equal(to_grey(Image.fromarray(pixels, "I")), image)


def test_float_pixels_in_0_1_are_scaled():
    image = dark_item()
    floats = Image.fromarray(image.astype(np.float32) / 255, "F")
    np.testing.assert_array_equal(to_grey(floats), image)
