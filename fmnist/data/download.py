"""Fetching the four original Fashion-MNIST files from the first source with a verified copy.

Sources (``download.sources`` in params.yaml) are tried in order for each file; each is a
local directory (Debian's ``dataset-fashion-mnist`` package puts the files in
/usr/share/datasets/fashion-mnist) or an http(s) URL prefix. A copy counts only when the
SHA-256 of its *decompressed* bytes matches :data:`fmnist.data.fashion_mnist.RAW_FILES`. The output
directory appears only once all four files are verified.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from fmnist.data.fashion_mnist import RAW_FILES
from fmnist.errors import PipelineError
from fmnist.files import atomic_path

log = logging.getLogger(__name__)
CHUNK = 1 << 20


class DownloadError(PipelineError):
    """No source gave a verified copy of a file."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def decompressed_sha256(path: Path) -> str:
    """SHA-256 of the gunzipped content; a truncated or corrupt gzip raises ValueError."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"truncated or corrupt gzip ({exc})") from None
    return digest.hexdigest()


def _fetch_url(url: str, dest: Path, timeout_s: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout_s) as response, dest.open("wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1]) as bar:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))


def fetch_one(source: str, name: str, dest: Path, expected_sha256: str, timeout_s: float) -> None:
    """Copy or download ``name`` from ``source`` to ``dest`` and verify it.

    Raises ValueError with the reason when the source lacks the file or its copy is bad; ``dest``
    then does not exist.
    """
    try:
        if is_url(source):
            _fetch_url(f"{source.rstrip('/')}/{name}", dest, timeout_s)
        else:
            shutil.copyfile(Path(source) / name, dest)
        actual = decompressed_sha256(dest)
        if actual != expected_sha256:
            raise ValueError(
                f"SHA-256 of decompressed bytes is {actual[:12]}..., "
                f"expected {expected_sha256[:12]}..."
            )
    except FileNotFoundError:
        dest.unlink(missing_ok=True)
        raise ValueError("file not found") from None
    except (urllib.error.URLError, OSError) as exc:
        dest.unlink(missing_ok=True)
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    except ValueError:
        dest.unlink(missing_ok=True)
        raise


def download(sources: Sequence[str], out_dir: str | Path, timeout_s: float) -> dict[str, str]:
    """Fill ``out_dir`` with the four verified files; return which source gave each.

    ``out_dir`` appears only when every file is verified; on failure nothing is left behind and
    the error names each source with the reason it failed.
    """
    used: dict[str, str] = {}
    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        for name, sha256 in RAW_FILES.items():
            failures = []
            for source in sources:
                try:
                    fetch_one(source, name, tmp / name, sha256, timeout_s)
                except ValueError as exc:
                    failures.append(f"{source}: {exc}")
                    log.warning("%s from %s refused: %s", name, source, exc)
                    continue
                used[name] = source
                log.info("%s verified, from %s", name, source)
                break
            else:
                raise DownloadError(f"no source gave a verified {name}: " + "; ".join(failures))
    return used
