import gzip

import numpy as np
import pytest

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.idx import encode_idx, parse_idx, read_idx, write_idx
from fmnist.data.sources.arrays import read_idx_source
from fmnist.errors import DataError


def test_roundtrip_plain_and_gzip(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
    for name in ("a-idx3-ubyte", "a-idx3-ubyte.gz"):
        write_idx(tmp_path / name, images)
        np.testing.assert_array_equal(read_idx(tmp_path / name), images)


def test_header_fields_are_checked():
    data = encode_idx(np.zeros((2, 28, 28), np.uint8))
    assert data[:4] == b"\x00\x00\x08\x03"
    assert parse_idx(data).shape == (2, 28, 28)
    with pytest.raises(DataError, match=r"x\.idx: bad IDX magic number 0x00000903"):
        parse_idx(b"\x00\x00\x09\x03" + data[4:], "x.idx")
    with pytest.raises(DataError, match="bad IDX magic number"):
        parse_idx(b"\x01\x00" + data[2:], "x.idx")


@pytest.mark.parametrize("cut", [1, 100, 28 * 28])
def test_truncated_file_names_the_file_and_sizes(cut):
    data = encode_idx(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(
        DataError, match=r"x\.idx: \d+ bytes but the header \(shape \(2, 28, 28\)\) needs 1584"
    ):
        parse_idx(data[:-cut], "x.idx")
    with pytest.raises(DataError, match="truncated or corrupt"):
        parse_idx(data + b"\x00", "x.idx")


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "t-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(encode_idx(np.arange(200, dtype=np.uint8)))[:-20])
    with pytest.raises(DataError, match=r"t-idx1-ubyte\.gz: not a readable gzip file"):
        read_idx(path)


def test_label_out_of_range_is_refused_with_its_index(raw_dir):
    labels = read_idx(raw_dir / "train-labels-idx1-ubyte.gz").copy()
    labels[7] = 11
    write_idx(raw_dir / "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(
        DataError,
        match=r"train-labels-idx1-ubyte\.gz: label 11 at index 7 is outside 0-9 \(data\.classes",
    ):
        read_idx_source(raw_dir, FASHION_MNIST_CLASSES)


def test_image_and_label_counts_must_agree(raw_dir):
    write_idx(raw_dir / "t10k-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match="5 labels for 100 images"):
        read_idx_source(raw_dir, FASHION_MNIST_CLASSES)


def test_images_must_be_28x28(raw_dir):
    write_idx(raw_dir / "t10k-images-idx3-ubyte.gz", np.zeros((100, 14, 14), np.uint8))
    with pytest.raises(
        DataError, match=r"expected images of shape \(n, 28, 28\), got \(100, 14, 14\)"
    ):
        read_idx_source(raw_dir, FASHION_MNIST_CLASSES)
