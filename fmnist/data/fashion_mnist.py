"""Fashion-MNIST's facts: its class names and the four original files' checksums."""

from __future__ import annotations

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
# The four original files and the SHA-256 of their *decompressed* bytes. Debian recompressed
# the .gz files, so only the decompressed content is comparable across sources.
RAW_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
