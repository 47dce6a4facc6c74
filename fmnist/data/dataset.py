"""Fashion-MNIST facts, and the split arrays and class names every later stage reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fmnist.files import require_file

# Fashion-MNIST's class names, in label order: the names of data.source fashion-mnist (and of
# revisions made before the split wrote classes.json). Every stage reads the names of the data
# it runs on from the split (load_classes), never from here.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
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


SPLITS = ("train", "val", "test")  # the split stage's files: <split_dir>/<name>.npz
CLASSES_FILE = "classes.json"  # in the split directory: the class names, in label order


def save_split(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """One split's images and labels as ``.npz``: uint8 labels while they fit (Fashion-MNIST's
    files), else uint16."""
    dtype = np.uint8 if labels.size == 0 or labels.max() < 256 else np.uint16
    np.savez_compressed(path, images=images.astype(np.uint8), labels=labels.astype(dtype))


def save_classes(split_dir: str | Path, classes: tuple[str, ...] | list[str]) -> None:
    Path(split_dir, CLASSES_FILE).write_text(json.dumps(list(classes), indent=1) + "\n")


def load_classes(split_dir: str | Path) -> tuple[str, ...]:
    """The class names of the split in ``split_dir``, in label order."""
    return tuple(json.loads(require_file(Path(split_dir) / CLASSES_FILE, "split").read_text()))


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
