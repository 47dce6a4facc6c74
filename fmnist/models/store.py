"""Loading the trained model files with one clear error when one is missing or corrupt.

The evaluate stage and ``fmnist predict`` both load through here, so a truncated
``models/cnn.keras`` is reported as what it is (with the command that restores it) instead of
Keras' own ``ValueError: File not found`` for a file that exists.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import joblib

from fmnist.errors import DataError

if TYPE_CHECKING:
    import keras
    from sklearn.pipeline import Pipeline

# model file -> the stage that writes it (its run restores the file too)
WRITERS = {"cnn": "train_cnn", "svm": "train_svm"}


def _restore_hint(path: Path, model: str) -> str:
    return f"run `dvc pull {path}` or `dvc repro {WRITERS[model]}` to restore it"


def _require(path: str | Path, model: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: model file not found ({_restore_hint(path, model)})")
    return path


def load_cnn_model(path: str | Path) -> keras.Model:
    """The saved Keras CNN (with the project's custom layers), or a one-line :class:`DataError`."""
    import keras  # imported here: importing this module stays cheap

    from fmnist.models.cnn import CUSTOM_OBJECTS

    path = _require(path, "cnn")
    # a .keras file is a zip archive: check it first, Keras' own errors for a broken one mislead
    if not zipfile.is_zipfile(path):
        raise DataError(
            f"{path}: not a Keras model file, truncated or corrupt; {_restore_hint(path, 'cnn')}"
        )
    try:
        return keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS)
    except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"{path}: cannot load the Keras model ({first_line}); {_restore_hint(path, 'cnn')}"
        ) from None


def load_svm_model(path: str | Path) -> Pipeline:
    """The saved scikit-learn SVM pipeline, or a one-line :class:`DataError`.

    joblib files are pickles: load only this project's own files.
    """
    from sklearn.pipeline import Pipeline

    path = _require(path, "svm")
    try:
        model = joblib.load(path)
    except (pickle.UnpicklingError, EOFError, ValueError, OSError, KeyError, IndexError) as exc:
        raise DataError(
            f"{path}: cannot load the SVM ({type(exc).__name__}: {exc}); {_restore_hint(path, 'svm')}"
        ) from None
    if not isinstance(model, Pipeline):
        raise DataError(f"{path}: holds a {type(model).__name__}, not the SVM pipeline")
    return model
