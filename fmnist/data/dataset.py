"""Fashion-MNIST facts and the split arrays every later stage reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmnist.data.idx import read_idx
from fmnist.errors import DataError
from fmnist.files import require_file

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SHAPE = (28, 28)

# The four original files and the SHA-256 of their *decompressed* bytes. Debian recompressed
# the .gz files, so only the decompressed content is comparable across sources.
RAW_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# The two models compared: key (names their files, e.g. metrics/<key>.json) -> display name.
MODELS: dict[str, str] = {"cnn": "CNN", "svm": "SVM"}


def read_raw(raw_dir: str | Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one original file pair (``prefix`` is 'train' or 't10k')."""
    raw_dir = Path(raw_dir)
    images_path = raw_dir / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = raw_dir / f"{prefix}-labels-idx1-ubyte.gz"
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{images_path}: expected images of shape (n, 28, 28), got {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected a 1-d label array, got shape {labels.shape}")
    if len(labels) != len(images):
        raise DataError(
            f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path.name}"
        )
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise DataError(
            f"{labels_path}: label {int(labels[bad[0]])} at index {int(bad[0])} "
            f"is outside 0-{NUM_CLASSES - 1}"
        )
    return images, labels


def save_split(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    np.savez_compressed(path, images=images.astype(np.uint8), labels=labels.astype(np.uint8))


def load_split(split_dir: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, 28, 28) and labels (n,) of split ``name`` ('train', 'val', 'test')."""
    with np.load(require_file(Path(split_dir) / f"{name}.npz", "split")) as data:
        return data["images"], data["labels"]


def to_cnn_input(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1]: the CNN's only preprocessing."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def to_flat(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]: the SVM pipeline's input."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0
