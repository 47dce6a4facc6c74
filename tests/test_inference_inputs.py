import gzip

import numpy as np
import pytest
from PIL import Image

from fmnist.data.idx import write_idx
from fmnist.inference.inputs import SkippedInput, expand, read_all, read_items
from fmnist.pictures import read
from fmnist.pictures.prepare import PrepareSpec
from tests.helpers import balanced_labels, synthetic_images

IMAGES = synthetic_images(balanced_labels(1))  # 10 images, (10, 28, 28) uint8


def save_png(path, array):
    Image.fromarray(array).save(path)
    return path


def test_expand_walks_folders_for_readable_files_and_reports_missing_and_empty(tmp_path):
    (tmp_path / "photos" / "more").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    a = save_png(tmp_path / "photos" / "a.png", IMAGES[0])
    b = save_png(tmp_path / "photos" / "more" / "b.PNG", IMAGES[1])
    (tmp_path / "photos" / "notes.txt").write_text("not read: not an image kind")
    idx = tmp_path / "photos" / "t10k-images-idx3-ubyte.gz"
    write_idx(idx, IMAGES)
    files, skipped = expand([tmp_path / "photos", tmp_path / "empty", tmp_path / "nope.png"])
    assert files == sorted([a, b, idx])
    assert [str(s) for s in skipped] == [
        f"{tmp_path / 'empty'}: no image, IDX or .npz file in this folder",
        f"{tmp_path / 'nope.png'}: no such file or folder",
    ]


def test_a_png_of_a_dataset_image_reads_back_exactly(tmp_path):
    [item] = read_items(save_png(tmp_path / "x.png", IMAGES[3]), PrepareSpec())
    np.testing.assert_array_equal(item.image, IMAGES[3])
    assert (item.index, item.inverted) == (0, False)


@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte", "x.idx"])
def test_idx_files_compressed_or_not_give_every_image(tmp_path, name):
    write_idx(tmp_path / name, IMAGES)
    items = read_items(tmp_path / name, PrepareSpec())
    assert [i.index for i in items] == list(range(10))
    np.testing.assert_array_equal(np.stack([i.image for i in items]), IMAGES)


def test_npz_images_uint8_or_scaled_floats(tmp_path):
    np.savez(tmp_path / "a.npz", images=IMAGES, labels=np.arange(10))
    np.savez(tmp_path / "b.npz", images=IMAGES[..., None].astype(np.float32) / 255)
    for name in ("a.npz", "b.npz"):
        got = np.stack([i.image for i in read_items(tmp_path / name, PrepareSpec(invert="no"))])
        np.testing.assert_array_equal(got, IMAGES)


def write_truncated_png(path):
    save_png(path, IMAGES[0])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("hello"), "not an image file Pillow can read"),
        (write_truncated_png, "cannot decode the image"),
    ],
)
def test_bad_image_files_are_skipped_with_one_line(tmp_path, make, message):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(SkippedInput) as caught:
        read_items(path, PrepareSpec())
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_a_huge_image_is_refused_before_decoding(tmp_path, monkeypatch):
    path = save_png(tmp_path / "big.png", np.zeros((100, 60), np.uint8))
    monkeypatch.setattr(read, "MAX_PIXELS", 5999)
    with pytest.raises(SkippedInput, match=r"big.png: 60x100 is too large \(at most 5,999 pixels\)"):
        read_items(path, PrepareSpec())
    monkeypatch.setattr(read, "MAX_PIXELS", 6000)
    assert read_items(path, PrepareSpec())[0].image.shape == (28, 28)


def test_bad_array_files_name_the_problem(tmp_path):
    write_idx(tmp_path / "labels-idx1-ubyte", np.arange(10, dtype=np.uint8))
    np.savez(tmp_path / "no_images.npz", x=IMAGES)
    np.savez(tmp_path / "wrong.npz", images=np.zeros((3, 32, 32), np.uint8))
    np.savez(tmp_path / "ints.npz", images=IMAGES.astype(np.int64))
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "short-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03\x00"))
    expected = {
        "labels-idx1-ubyte": "the IDX array has shape (10,), expected (n, 28, 28) images",
        "no_images.npz": "no 'images' array in this .npz (arrays: x)",
        "wrong.npz": "'images' has shape (3, 32, 32), expected (n, 28, 28) images",
        "ints.npz": "'images' has dtype int64, expected uint8 (0-255) or floats in [0, 1]",
        "broken.npz": "not a readable .npz file",
        "short-idx3-ubyte.gz": "truncated IDX header",
    }
    for name, message in expected.items():
        with pytest.raises(SkippedInput) as caught:
            read_items(tmp_path / name, PrepareSpec())
        assert str(caught.value).startswith(f"{tmp_path / name}: {message}"), str(caught.value)


def test_read_all_keeps_the_order_and_returns_problems_in_place(tmp_path):
    paths = [save_png(tmp_path / f"{i}.png", IMAGES[i]) for i in range(6)]
    paths[2].write_bytes(b"")
    results = list(read_all(paths, PrepareSpec()))
    assert isinstance(results[2], SkippedInput)
    for i in (0, 1, 3, 4, 5):
        np.testing.assert_array_equal(results[i][0].image, IMAGES[i])
