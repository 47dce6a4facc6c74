"""People's pictures made from real Fashion-MNIST test images, one family per way they differ.

Each family turns a dataset image (a light item on black, 28x28) into a picture file the way
a person's photo differs from it. The photo-like families start from the dataset's own source
kind, a product photo: the item dark on white, enlarged (``photo``), then change one thing:
the framing, the background's colour or texture, the file's encoding, noise. A tint or texture
multiplies the photo (a white backdrop lit or printed in that colour), so the item stays where
it was and only the light around it changes. ``tests/test_picture_families.py`` asserts each
family's accuracy; ``benchmarks/picture_families.py`` prints the table of docs/models.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

Builder = Callable[[np.ndarray, np.random.Generator, Path], None]

PHOTO_SIDES = (112, 280)  # the enlarged photo's longest edge, pixels (4x to 10x)
TINTS = {  # light backdrops, RGB
    "beige": (235, 222, 200),
    "light blue": (210, 226, 242),
    "pink": (246, 214, 222),
    "light grey": (200, 200, 200),
}


def photo(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The item dark on white, enlarged (bicubic) to a random size in :data:`PHOTO_SIDES`; grey
    uint8."""
    side = int(rng.integers(*PHOTO_SIDES, endpoint=True))
    big = Image.fromarray(255 - image).resize((side, side), Image.Resampling.BICUBIC)
    return np.asarray(big, dtype=np.uint8)


def rgb(grey: np.ndarray, colour: tuple[int, int, int] | np.ndarray) -> np.ndarray:
    """A grey photo on white seen on a backdrop of ``colour`` (a colour or an (h, w, 3) image):
    each pixel's light times the backdrop's."""
    colour = np.broadcast_to(np.asarray(colour, dtype=np.float32), (*grey.shape, 3))
    return np.round(grey[..., None].astype(np.float32) / 255 * colour).astype(np.uint8)


def light_texture(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A light, smooth, slightly warm paper-like texture: grey 205-250 with blotches and grain."""
    height, width = shape
    field = rng.normal(size=(height // 8 + 2, width // 8 + 2)).astype(np.float32)
    blotches = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC)
    grain = rng.normal(scale=0.35, size=shape).astype(np.float32)
    level = 228 + 9 * np.asarray(blotches) + 4 * grain
    return np.clip(level[..., None] * np.array([1.0, 0.98, 0.94]), 0, 255)


def save(pixels: np.ndarray, path: Path, **options) -> None:
    if path.suffix == ".png":
        options.setdefault("compress_level", 1)  # fast to write; the pixels are the same
    Image.fromarray(pixels).save(path, **options)


def plain(image, rng, path):
    save(image, path.with_suffix(".png"))


def photo_png(image, rng, path):
    save(photo(image, rng), path.with_suffix(".png"))


def cut_out(image: np.ndarray, rng: np.random.Generator, light: bool) -> np.ndarray:
    """A product cut-out: the item enlarged as in :func:`photo`, dark (a photo's item) or light
    (the dataset's own tones), opaque where the item is with a soft edge, transparent around it
    with black underneath (as cut-out tools leave it); RGBA uint8."""
    side = int(rng.integers(*PHOTO_SIDES, endpoint=True))
    tones = image if light else 255 - image
    grey = np.asarray(Image.fromarray(tones).resize((side, side), Image.Resampling.BICUBIC))
    mask = np.clip(image.astype(np.float32) * 8, 0, 255).astype(np.uint8)  # soft item edge
    alpha = np.asarray(Image.fromarray(mask).resize((side, side), Image.Resampling.BICUBIC))
    pixels = np.where(alpha[..., None] > 0, np.repeat(grey[..., None], 3, axis=2), 0)
    return np.dstack([pixels, alpha]).astype(np.uint8)


def cut_out_dark(image, rng, path):
    save(cut_out(image, rng, light=False), path.with_suffix(".png"))


def framed(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo's item filling 20-50% of the side of a larger white picture, anywhere in it."""
    item = photo(image, rng)
    fraction = rng.uniform(0.2, 0.5)
    canvas_h = int(len(item) / fraction)
    canvas_w = int(canvas_h * rng.uniform(0.75, 1.33))
    canvas_w = max(canvas_w, len(item) + 2)
    canvas = np.full((canvas_h, canvas_w), 255, np.uint8)
    top = int(rng.integers(0, canvas_h - len(item) + 1))
    left = int(rng.integers(0, canvas_w - len(item) + 1))
    canvas[top : top + len(item), left : left + len(item)] = item
    return canvas


def in_frame(image, rng, path):
    save(framed(image, rng), path.with_suffix(".png"))


def tinted(name: str) -> Builder:
    def build(image, rng, path):
        save(rgb(photo(image, rng), TINTS[name]), path.with_suffix(".png"))

    return build


def textured(image, rng, path):
    grey = photo(image, rng)
    save(rgb(grey, light_texture(grey.shape, rng)), path.with_suffix(".png"))


def sixteen_bit(image, rng, path):
    """The dataset image as a 16-bit grey PNG (0-65535)."""
    Image.fromarray(image.astype(np.uint16) * 257).save(path.with_suffix(".png"))


def jpeg_50(image, rng, path):
    save(photo(image, rng), path.with_suffix(".jpg"), quality=50)


def noisy(image, rng, path):
    """The photo with mild Gaussian noise (standard deviation 8 of 255), as many phones give."""
    grey = photo(image, rng).astype(np.float32)
    grey = np.clip(np.round(grey + rng.normal(scale=8, size=grey.shape)), 0, 255)
    save(grey.astype(np.uint8), path.with_suffix(".png"))


def blurred_in_frame(image, rng, path):
    """A harder mix: in 20-50% of a beige picture, slightly out of focus, JPEG quality 75."""
    blurred = Image.fromarray(framed(image, rng)).filter(ImageFilter.GaussianBlur(1.0))
    save(rgb(np.asarray(blurred), TINTS["beige"]), path.with_suffix(".jpg"), quality=75)


# family -> builder, and how far below the plain images its accuracy may be (points; None:
# measured and shown, no target)
FAMILIES: dict[str, tuple[Builder, float | None]] = {
    "plain 28x28 PNG": (plain, 0.0),
    "photo: dark on white, 112-280 px": (photo_png, 2.0),
    "item in 20-50% of a white picture": (in_frame, 2.0),
    **{f"{name} background": (tinted(name), 2.0) for name in TINTS},
    "light paper texture": (textured, 2.0),
    "16-bit grey PNG": (sixteen_bit, 2.0),
    "JPEG quality 50": (jpeg_50, 2.0),
    "cut-out PNG: dark item on transparent": (cut_out_dark, 2.0),
    "mild noise (sigma 8)": (noisy, 3.0),
    "harder: small, beige, blurred, JPEG 75": (blurred_in_frame, None),
}


def build_family(name: str, images: np.ndarray, folder: Path, seed: int = 0) -> list[Path]:
    """Write ``images`` as family ``name``'s picture files into ``folder``; their paths in order."""
    builder = FAMILIES[name][0]
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, image in enumerate(images):
        builder(image, rng, folder / f"{i:05d}")
    return sorted(folder.iterdir())
