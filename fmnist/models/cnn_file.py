"""The CNN's model file (Keras ``.keras``), loaded with one clear error when it is missing or
corrupt (see :mod:`fmnist.models.store`)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from fmnist.errors import DataError, first_line
from fmnist.models.store import require_model_file, restore_hint

if TYPE_CHECKING:
    import keras


def load_cnn_model(path: str | Path) -> keras.Model:
    """The saved Keras CNN, or a one-line :class:`DataError`.

    Its custom layers are registered (:mod:`fmnist.models.layers`); files saved before that
    name them without the package, :data:`~fmnist.models.layers.LEGACY_NAMES` reads those.
    """
    import keras  # imported here: importing this module stays cheap

    from fmnist.models.layers import LEGACY_NAMES

    path = require_model_file(path, "cnn")
    # a .keras file is a zip archive: check it first, Keras' own errors for a broken one mislead
    if not zipfile.is_zipfile(path):
        raise DataError(
            f"{path}: not a Keras model file, truncated or corrupt; {restore_hint(path, 'cnn')}"
        )
    try:
        return keras.models.load_model(path, custom_objects=LEGACY_NAMES)
    except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"{path}: cannot load the Keras model ({first_line(exc)}); {restore_hint(path, 'cnn')}"
        ) from None
