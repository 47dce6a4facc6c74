"""A picture file of any format Pillow reads as a 2-D grey uint8 array.

16-bit and float pixels are scaled to 0-255, transparency is laid on a backdrop, the EXIF
orientation is applied, and a file that cannot be read raises :class:`SkippedInput` with one
line that names it and says why.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fmnist.errors import DataError
from fmnist.pictures.prepare import Invert

MAX_PIXELS = 50_000_000  # a larger picture (e.g. 8000 x 6250) is refused, not decoded
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


class SkippedInput(DataError):
    """One input file that is not read: the message says which and why."""


def picture_suffixes() -> frozenset[str]:
    """The file extensions Pillow decodes (lower case, with the dot)."""
    return frozenset(suffix.lower() for suffix in Image.registered_extensions())


def without_transparency(image: Image.Image, backdrop: int) -> np.ndarray:
    """A picture with an alpha channel as grey uint8, laid on a ``backdrop`` grey level (what
    lies under a transparent pixel, often black from a cut-out tool, does not count)."""
    rgba = image.convert("RGBA")
    grey = np.asarray(rgba.convert("RGB").convert("L"), dtype=np.float32)
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    return np.clip(np.round(grey * alpha + backdrop * (1 - alpha)), 0, 255).astype(np.uint8)


def to_grey(image: Image.Image, invert: Invert = "auto") -> np.ndarray:
    """Any Pillow image as a 2-D uint8 array. A picture with transparency is laid on white, as
    the dataset's product photos were (a cut-out product photo is then that photo), or on
    black with ``invert`` 'no' (a light item, in the dataset's own tones, on transparency).
    16-bit pixels are scaled to 0-255 (Pillow's own conversion would clip them), float pixels
    in [0, 1] too."""
    if image.mode in SIXTEEN_BIT_MODES:
        pixels = np.asarray(image, dtype=np.float64)
        if image.mode != "I" or pixels.max(initial=0) > 255:
            pixels = pixels / 257  # 65535 -> 255
        return np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    if image.mode == "F":
        pixels = np.asarray(image, dtype=np.float64)
        scale = 255 if pixels.size and pixels.max() <= 1 else 1
        return np.clip(np.round(pixels * scale), 0, 255).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return without_transparency(image, 0 if invert == "no" else 255)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def read_picture(path: Path, invert: Invert = "auto") -> np.ndarray:
    """A picture file as a 2-D grey uint8 array, any format and size Pillow reads up to a limit
    (``invert``: what a transparent picture is laid on, :func:`to_grey`)."""
    if path.stat().st_size == 0:
        raise SkippedInput(f"{path}: empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                pixels = image.width * image.height
                if pixels > MAX_PIXELS:
                    raise SkippedInput(
                        f"{path}: {image.width}x{image.height} is too large "
                        f"(at most {MAX_PIXELS:,} pixels)"
                    )
                return to_grey(ImageOps.exif_transpose(image), invert)
    except UnidentifiedImageError:
        raise SkippedInput(f"{path}: not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise SkippedInput(f"{path}: cannot decode the image ({exc})") from None
