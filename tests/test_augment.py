import numpy as np
import pytest

from fmnist.data.augment import epoch_images
from tests.helpers import balanced_labels, synthetic_images


def data(per_class=6):
    labels = balanced_labels(per_class)
    return synthetic_images(labels), labels


def test_an_epoch_is_a_function_of_seed_and_epoch_alone():
    images, labels = data()
    first = epoch_images(images, labels, 7, 3, flip=True, shift=1)
    again = epoch_images(images, labels, 7, 3, flip=True, shift=1)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    other_epoch = epoch_images(images, labels, 7, 4, flip=True, shift=1)
    other_seed = epoch_images(images, labels, 8, 3, flip=True, shift=1)
    assert not np.array_equal(first[1], other_epoch[1])
    assert not np.array_equal(first[1], other_seed[1])


def test_without_augmentation_an_epoch_is_a_permutation_with_its_labels():
    images, labels = data()
    before = images.copy()
    x, y = epoch_images(images, labels, 0, 0)
    np.testing.assert_array_equal(images, before)  # the input is left alone
    index = {image.tobytes(): i for i, image in enumerate(images)}
    order = [index[image.tobytes()] for image in x]
    assert sorted(order) == list(range(len(images))) and order != sorted(order)
    np.testing.assert_array_equal(y, labels[order])


@pytest.mark.parametrize("shift", [1, 2])
def test_shifts_move_whole_images_by_at_most_shift_pixels_with_zeros_coming_in(shift):
    # random content inside a zero border of `shift` pixels: a shift never cuts it, so each
    # output is its image rolled by (dy, dx), and every (dy, dx) in range occurs
    n, side = 300, 12
    rng = np.random.default_rng(0)
    images = np.zeros((n, side, side), np.uint8)
    images[:, shift:-shift, shift:-shift] = rng.integers(
        1, 256, (n, side - 2 * shift, side - 2 * shift)
    )
    shifted, index = epoch_images(images, np.arange(n), 1, 0, shift=shift)
    moves = set()
    for image, i in zip(shifted, index, strict=True):
        found = [
            (dy, dx)
            for dy in range(-shift, shift + 1)
            for dx in range(-shift, shift + 1)
            if np.array_equal(image, np.roll(images[i], (dy, dx), axis=(0, 1)))
        ]
        assert len(found) == 1
        moves.add(found[0])
    assert moves == {(dy, dx) for dy in range(-shift, shift + 1) for dx in range(-shift, shift + 1)}
    # content at the edge is cut, and zeros come in from the other side
    full = np.full((n, side, side), 9, np.uint8)
    cut, _ = epoch_images(full, np.arange(n), 1, 0, shift=shift)
    zero_rows = (cut == 0).all(axis=2).sum(axis=1)
    assert set(zero_rows.tolist()) == set(range(shift + 1))


def test_flips_mirror_about_half_of_the_images():
    images, labels = data(20)
    x, _ = epoch_images(images, labels, 0, 0, flip=True)
    originals = {image.tobytes() for image in images}
    mirrored = sum(image.tobytes() not in originals for image in x)
    assert 60 < mirrored < 140  # of 200
    assert all(image.tobytes() in originals or image[:, ::-1].tobytes() in originals for image in x)


def test_erasing_replaces_one_rectangle_in_about_a_fraction_of_the_images():
    # two constant images under the same draws: the noise is the same in both, so a pixel is
    # erased exactly where either output differs from its constant
    n, side = 400, 28
    images = np.full((n, side, side), 7, np.uint8)
    x, _ = epoch_images(images, np.arange(n), 3, 0, erase=0.5)
    y, _ = epoch_images(images + 193, np.arange(n), 3, 0, erase=0.5)
    assert (images == 7).all()  # the input is left alone
    changed = (x != 7) | (y != 200)
    erased = changed.any(axis=(1, 2))
    assert 160 < erased.sum() < 240  # of 400, p = 0.5
    areas = []
    for mask in changed[erased]:
        rows, columns = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        box = mask[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
        assert box.all()  # one filled rectangle: the box is the changed pixels
        areas.append(box.size / side**2)
    # 2% to 40% of the area, a side cut to the image now and then
    assert 0.015 < min(areas) < 0.05 and 0.3 < max(areas) <= 0.41
    assert 0.15 < np.mean(areas) < 0.25  # uniform in [0.02, 0.4]: 0.21, less the cuts
    assert len(np.unique(x[changed])) > 200  # random values, not one fill


def test_erasing_off_draws_nothing_and_on_changes_only_erased_pixels():
    images, labels = data()
    plain = epoch_images(images, labels, 5, 2, flip=True, shift=1)
    none = epoch_images(images, labels, 5, 2, flip=True, shift=1, erase=0.0)
    erased = epoch_images(images, labels, 5, 2, flip=True, shift=1, erase=1.0)
    np.testing.assert_array_equal(plain[0], none[0])
    # the order, flips and shifts are those of the run without erasing
    np.testing.assert_array_equal(plain[1], erased[1])
    changed = plain[0] != erased[0]
    assert changed.any(axis=(1, 2)).mean() > 0.9  # every image erased (noise can match a few)
    for mask in changed[changed.any(axis=(1, 2))]:  # the rest of each image is left as it was
        rows, columns = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        assert (rows[-1] - rows[0] + 1) * (columns[-1] - columns[0] + 1) <= 0.45 * mask.size
    again = epoch_images(images, labels, 5, 2, flip=True, shift=1, erase=1.0)
    np.testing.assert_array_equal(erased[0], again[0])
