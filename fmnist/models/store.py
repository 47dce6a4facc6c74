"""The SVM's model file (skops, no pickle), and the one-line errors of every model file.

The evaluate stage and ``fmnist predict`` both load through here (the CNN through
:mod:`fmnist.models.cnn_file`), so a truncated model file is reported as what it is (with the
command that restores it) instead of the library's own error for a file that exists. This
module imports no Keras: the SVM's stage does not depend on the CNN's code.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from fmnist.errors import DataError, first_line
from fmnist.models.kinds import MODELS

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

PICKLE_PROTOCOL_MARK = b"\x80"  # the first byte of a pickle of protocol 2 or later (joblib's)
# skops' object addresses: "__id__": 1401..., "file": "1401....npy" (and that member's name)
SKOPS_ID = re.compile(r'("__id__": |"file": ")(\d+)')
SKOPS_MEMBER = re.compile(r"^()(\d+)")
SKOPS_SCHEMA = "schema.json"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def restore_hint(path: Path, model: str) -> str:
    return f"run `dvc pull {path}` or `dvc repro {MODELS[model].stage}` to restore it"


def require_model_file(path: str | Path, model: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: model file not found ({restore_hint(path, model)})")
    return path


def trusted_types() -> list[str]:
    """What a project SVM file may hold beyond scikit-learn's and numpy's own types, which skops
    trusts itself: the feature functions of :data:`~fmnist.models.features.FEATURES`."""
    from fmnist.models.features import FEATURES

    return sorted(f"{fn.__module__}.{fn.__name__}" for fn in FEATURES.values() if fn is not None)


def canonical_skops(data: bytes) -> bytes:
    """A skops archive made byte-reproducible: the same pipeline gives the same file.

    skops names objects by their memory address (``"__id__"`` and the ``.npy`` member names)
    and stamps each member with the time; here each address becomes its rank of first
    appearance in ``schema.json`` and every member gets one fixed date, in name order.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    ranks: dict[str, str] = {}

    def rank(match: re.Match[str]) -> str:
        number = ranks.setdefault(match.group(2), str(len(ranks)))
        return f"{match.group(1)}{number}"

    schema = SKOPS_ID.sub(rank, members.pop(SKOPS_SCHEMA).decode())
    renamed = {SKOPS_MEMBER.sub(rank, name): content for name, content in members.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, content in sorted({**renamed, SKOPS_SCHEMA: schema.encode()}.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_EPOCH), content)
    return out.getvalue()


def save_svm_model(pipeline: Pipeline, path: str | Path) -> None:
    """The SVM pipeline as a skops file (a zip of JSON and numpy arrays, no pickle), the same
    bytes for the same pipeline."""
    import skops.io

    Path(path).write_bytes(canonical_skops(skops.io.dumps(pipeline)))


def load_svm_model(path: str | Path) -> Pipeline:
    """The saved scikit-learn SVM pipeline, or a one-line :class:`DataError`.

    The file is read with skops, which rebuilds only types it trusts: scikit-learn's, numpy's
    and :func:`trusted_types`. A file naming anything else is refused before any object is
    built, and a pickle (joblib's format, which can run code as it loads) is never opened.
    """
    import skops.io
    from sklearn.pipeline import Pipeline

    path = require_model_file(path, "svm")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as file:
            pickled = file.read(1) == PICKLE_PROTOCOL_MARK
        what = (
            "a pickle, which fmnist never loads (it can run code)"
            if pickled
            else ("not a skops file, truncated or corrupt")
        )
        raise DataError(f"{path}: {what}; {restore_hint(path, 'svm')}")
    trusted = trusted_types()
    try:
        untrusted = sorted(set(skops.io.get_untrusted_types(file=path)) - set(trusted))
        if untrusted:
            raise DataError(
                f"{path}: refused, it holds types fmnist does not trust: {', '.join(untrusted)}"
            )
        model = skops.io.load(path, trusted=trusted)
    except (ValueError, OSError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"{path}: cannot load the SVM ({type(exc).__name__}: {first_line(exc)}); "
            f"{restore_hint(path, 'svm')}"
        ) from None
    if not isinstance(model, Pipeline):
        raise DataError(f"{path}: holds a {type(model).__name__}, not the SVM pipeline")
    return model
