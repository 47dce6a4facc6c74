"""Shifted near-duplicates: copies moved by a pixel or two, with noise and their brightness or
contrast changed, that pixel distance misses (a product shot twice, a crop a pixel off).

**The measure** (exact for every pair it reports): for two images a and b, over every integer
shift (dy, dx) within ``audit.shift_reach`` pixels, b is fitted to the shifted a on the pixels
they share by least squares with a brightness and a contrast of its own (b ~ alpha * a + beta,
alpha from 1/MAX_CONTRAST to MAX_CONTRAST); the score is the smallest root-mean-square residual
over the shifts, in grey levels (0-255), symmetric in a and b (the residual of the standardised
fit, scaled by the geometric mean of the two spreads). Copies with noise of sigma grey levels
score about sigma; distinct Fashion-MNIST images of one class mostly score above 15. A pair is a
finding when its score is at most ``audit.shifted_duplicate_residual`` and the near-duplicate
check does not already report it (pixel distance at most ``audit.near_duplicate_distance``).
All (2 reach + 1)^2 shifts of a pair come from one FFT cross-correlation and window sums.

**The candidates** (approximate; the recall is measured, docs/audit.md): each image is moved so
that its centre of mass sits at the centre, by a sub-pixel shift (Fourier shift theorem), and
standardised; its ``NEIGHBOURS`` nearest in a PCA projection of that space are the candidates.
Centring undoes most of a shift; what cropping at the frame leaves is within the exact search.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from scipy import fft
from sklearn.decomposition import PCA

from fmnist.audit.checks.base import Check, Context
from fmnist.audit.table import pair_rows

NEIGHBOURS = 60  # candidates per image in the centred space (planted copies: docs/audit.md)
COMPONENTS = 32  # of the centred space's PCA, where the neighbours are searched
MAX_CONTRAST = 1.25  # a copy's contrast may differ by this factor at most, either way
CENTRED_PAD = 6  # room for the centring shift
CHUNK = 8192


def centred(images: np.ndarray) -> np.ndarray:
    """Each image, background (its border's median) removed, moved so that its centre of mass
    is the frame's centre (sub-pixel, by the Fourier shift theorem), flattened and scaled to
    zero mean and unit norm: (n, (side + 2 CENTRED_PAD)^2) float32."""
    x = images.astype(np.float32)
    n, side = len(x), x.shape[1]
    border = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)
    x = np.clip(x - np.median(border, axis=1)[:, None, None], 0, None)
    weight = np.where(x > 0.2 * x.reshape(n, -1).max(1)[:, None, None], x, 0)
    total = weight.sum((1, 2)) + 1e-6
    where = np.arange(side, dtype=np.float32)
    dy = (side - 1) / 2 - (weight.sum(2) * where).sum(1) / total
    dx = (side - 1) / 2 - (weight.sum(1) * where).sum(1) / total
    padded = np.pad(x, ((0, 0), (CENTRED_PAD, CENTRED_PAD), (CENTRED_PAD, CENTRED_PAD)))
    size = padded.shape[1]
    ky = np.fft.fftfreq(size).astype(np.float32)[:, None]
    kx = np.fft.rfftfreq(size).astype(np.float32)[None, :]
    out = np.empty((n, size * size), np.float32)
    for s in range(0, n, CHUNK):
        phase = ky * dy[s : s + CHUNK, None, None] + kx * dx[s : s + CHUNK, None, None]
        spectrum = fft.rfft2(padded[s : s + CHUNK], workers=-1)
        spectrum *= np.exp(np.complex64(-2j * np.pi) * phase)
        out[s : s + CHUNK] = fft.irfft2(spectrum, s=(size, size), workers=-1).reshape(-1, size * size)
    out -= out.mean(1, keepdims=True)
    out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-6
    return out


def candidates(images: np.ndarray, neighbours: int, seed: int) -> np.ndarray:
    """(m, 2) pairs a < b of positions: each image with its ``neighbours`` nearest in the
    centred space (PCA with COMPONENTS components, Euclidean)."""
    import faiss

    space = centred(images)
    components = min(COMPONENTS, len(images) - 1, space.shape[1])
    fit_on = space[:: max(1, len(space) // 20000)]
    projected = PCA(components, svd_solver="randomized", random_state=seed).fit(fit_on)
    projected = np.ascontiguousarray(projected.transform(space), dtype=np.float32)
    index = faiss.IndexFlatL2(components)
    index.add(projected)
    _, found = index.search(projected, min(neighbours + 1, len(images)))
    a = np.repeat(np.arange(len(images), dtype=np.int64), found.shape[1])
    b = found.ravel().astype(np.int64)
    keep = (b >= 0) & (a != b)
    a, b = a[keep], b[keep]
    codes = np.sort(np.minimum(a, b) * len(images) + np.maximum(a, b))
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]  # each pair once
    return np.stack([codes // len(images), codes % len(images)], 1)


def _window_sums(x: np.ndarray, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums of x and x^2 over the part of each image that a shift (dy, dx) keeps in frame,
    for the image that is moved: (n, 2 reach + 1, 2 reach + 1) each."""
    n, side = x.shape[:2]
    span = 2 * reach + 1
    sums = np.empty((2, n, span, span), np.float64)
    for i, dy in enumerate(range(-reach, reach + 1)):
        for j, dx in enumerate(range(-reach, reach + 1)):
            window = x[:, max(-dy, 0) : side - max(dy, 0), max(-dx, 0) : side - max(dx, 0)]
            sums[0, :, i, j] = window.sum((1, 2), dtype=np.float64)
            sums[1, :, i, j] = np.square(window, dtype=np.float64).sum((1, 2))
    return sums[0], sums[1]


def aligned_residual(
    images: np.ndarray, pairs: np.ndarray, reach: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair (a, b): the measure of this module's docstring (grey levels; inf where no
    shift fits with a positive contrast within MAX_CONTRAST), the best shift (dy, dx) that
    moves a onto b, and the plain distance (L2 unshifted, pixels in [0, 1]: the near-duplicate
    check's), all from the same cross-correlation."""
    x = images.astype(np.float32)
    side = x.shape[1]
    size = fft.next_fast_len(side + reach)  # no wrap-around within the reach
    span = 2 * reach + 1
    moved_sum, moved_square = _window_sums(x, reach)  # a, moved by (dy, dx)
    fixed_sum, fixed_square = moved_sum[:, ::-1, ::-1], moved_square[:, ::-1, ::-1]  # b
    shifts = np.arange(-reach, reach + 1)
    count = np.outer(side - np.abs(shifts), side - np.abs(shifts)).astype(np.float64)
    spectra = fft.rfft2(x, s=(size, size), workers=-1)  # complex64, once per image
    best = np.full(len(pairs), np.inf)
    best_shift = np.zeros((len(pairs), 2), np.int64)
    plain = np.zeros(len(pairs))

    def measure(start: int) -> None:
        a, b = pairs[start : start + CHUNK, 0], pairs[start : start + CHUNK, 1]
        # cross[dy, dx] = sum over the overlap of a[i - dy, j - dx] * b[i, j]
        cross = fft.irfft2(spectra[b] * np.conj(spectra[a]), s=(size, size), workers=1)
        cross = np.roll(cross, (reach, reach), axis=(1, 2))[:, :span, :span].astype(np.float64)
        sa, sb = moved_sum[a], fixed_sum[b]
        var_a = moved_square[a] - sa**2 / count
        var_b = fixed_square[b] - sb**2 / count
        cov = cross - sa * sb / count
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.sqrt(np.clip(var_a, 0, None) * np.clip(var_b, 0, None))
            r = cov / spread
            contrast = np.sqrt(var_b / var_a)
            residual = np.sqrt(np.clip(spread * (1 - r**2), 0, None) / count)
        fits = (r > 0) & (contrast <= MAX_CONTRAST) & (contrast >= 1 / MAX_CONTRAST)
        residual = np.where(fits, residual, np.inf).reshape(len(a), -1)
        at = residual.argmin(1)
        best[start : start + CHUNK] = residual[np.arange(len(a)), at]
        best_shift[start : start + CHUNK] = np.stack([shifts[at // span], shifts[at % span]], 1)
        square = moved_square[a, reach, reach] + moved_square[b, reach, reach]
        plain[start : start + CHUNK] = (
            np.sqrt(np.clip(square - 2 * cross[:, reach, reach], 0, None)) / 255
        )

    # numpy and scipy's FFT release the GIL: the chunks share the cores
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(measure, range(0, len(pairs), CHUNK)))
    return best, best_shift, plain


def find(context: Context) -> pd.DataFrame:
    pool, params = context.pool, context.params
    pairs = candidates(pool.images, NEIGHBOURS, params.seed)
    pairs = pairs[pool.ids[pairs[:, 0]] != pool.ids[pairs[:, 1]]]  # exact copies: their own kind
    score, shift, plain = aligned_residual(pool.images, pairs, params.shift_reach)
    # the near-duplicate check reports those within its distance
    keep = (score <= params.shifted_duplicate_residual) & (plain > params.near_duplicate_distance)
    detail = [f"shift {dy:+d},{dx:+d}" for dy, dx in shift[keep]]
    return pair_rows(pool, pairs[keep, 0], pairs[keep, 1], CHECK.kind, score[keep], detail)


CHECK = Check(
    kind="shifted_duplicate",
    pairs=True,
    find=find,
    title="shifted copies (best alignment within audit.shift_reach px, residual in grey levels)",
)
