"""Reading and writing IDX files (the format of the original MNIST/Fashion-MNIST files)."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from fmnist.errors import DataError

UBYTE = 0x08  # the only IDX element type Fashion-MNIST uses


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse an uncompressed IDX file of unsigned bytes, checking every header field."""
    if len(data) < 4:
        raise DataError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != UBYTE or not 1 <= ndim <= 4:
        raise DataError(
            f"{name}: bad IDX magic number 0x{data[:4].hex()} "
            f"(expected 0x000008NN with 1 <= NN <= 4, unsigned bytes)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        raise DataError(
            f"{name}: {len(data)} bytes but the header (shape {shape}) needs {expected}; "
            "the file is truncated or corrupt"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed when its name ends in ``.gz``."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                data = fh.read()
        else:
            data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: not a readable gzip file ({exc})") from None
    return parse_idx(data, str(path))


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of a uint8 array (used to write test fixtures)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx(path: str | Path, array: np.ndarray) -> None:
    path = Path(path)
    data = encode_idx(array)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
