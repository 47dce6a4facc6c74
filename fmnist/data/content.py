"""Images known by their content: a name made from the pixels, and a draw in [0, 1) made from
the pixels, which decides an image's split so that it never depends on the other images."""

from __future__ import annotations

import hashlib

import numpy as np

ID_BYTES = 8  # 64-bit content names: a chance collision among 10^6 images is ~3e-8


def _rows(images: np.ndarray) -> tuple[np.ndarray, bytes]:
    images = np.ascontiguousarray(images, dtype=np.uint8)
    flat = images.reshape(len(images), int(np.prod(images.shape[1:], dtype=int)))
    return flat, repr(images.shape[1:]).encode()


def image_ids(images: np.ndarray) -> np.ndarray:
    """The content name of each image: BLAKE2b of its shape and uint8 pixels, as hex."""
    flat, shape = _rows(images)
    return np.array(
        [hashlib.blake2b(row.tobytes(), digest_size=ID_BYTES, key=shape).hexdigest() for row in flat],
        dtype=object,
    )


def content_draws(images: np.ndarray, seed: int, purpose: str) -> np.ndarray:
    """One number in [0, 1) per image, uniform over images, from BLAKE2b of its pixels keyed by
    ``seed`` and ``purpose``: the same picture always draws the same number, whatever else the
    data holds; another seed or purpose gives independent draws."""
    flat, shape = _rows(images)
    key = f"{seed}:{purpose}:".encode() + shape
    words = [
        int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8, key=key[:64]).digest(), "big")
        for row in flat
    ]
    return np.array(words, dtype=np.uint64).astype(np.float64) / 2.0**64
