"""Shard files: uint8 image arrays in NumPy's ``.npy`` format, each named by the BLAKE2b of its
bytes, so a shard is never changed in place and a damaged one is known by its name."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np

from fmnist.errors import DataError

SHARD_IMAGES = 50_000  # images per shard at most: 39 MB of 28x28 pixels
NAME_BYTES = 16  # 128-bit names: 32 hex digits
SUFFIX = ".npy"


def content_name(data: bytes) -> str:
    """The name a shard of these bytes has: its BLAKE2b, hex, with the suffix."""
    return hashlib.blake2b(data, digest_size=NAME_BYTES).hexdigest() + SUFFIX


def write_shards(images: np.ndarray, folder: Path) -> list[str]:
    """``images`` in shards of at most SHARD_IMAGES, written into ``folder`` (an existing shard
    of the same name is the same bytes, left as it is); their names, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for start in range(0, len(images), SHARD_IMAGES):
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(images[start : start + SHARD_IMAGES], np.uint8))
        data = buffer.getvalue()
        name = content_name(data)
        target = folder / name
        if not target.exists():
            partial = folder / f".{name}.partial"
            partial.write_bytes(data)
            os.replace(partial, target)
        names.append(name)
    return names


def read_shard(path: Path, image_shape: tuple[int, ...]) -> np.ndarray:
    """The images of the shard at ``path``, checked: its bytes hash to its name, and it is a
    uint8 array of images of ``image_shape``."""
    if not path.is_file():
        raise DataError(f"{path}: shard not found (packed.json lists it)")
    data = path.read_bytes()
    if content_name(data) != path.name:
        raise DataError(f"{path}: shard damaged (its content no longer matches its name)")
    try:
        images = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: not a shard ({exc})") from None
    if images.dtype != np.uint8 or images.shape[1:] != image_shape:
        raise DataError(
            f"{path}: not a shard of uint8 {image_shape} images ({images.dtype} {images.shape})"
        )
    return images
