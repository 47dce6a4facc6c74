"""``import fmnist`` makes the project's Keras layers loadable, without importing Keras itself.

Keras reads a saved model's custom layers only from its registry of serializable objects, and
the registering module (:mod:`fmnist.models.layers`) needs Keras, whose import takes about 5 s
(TensorFlow). ``fmnist`` is imported by every stage and command, most of which never use Keras,
so the layers are registered when Keras is loaded: at once if it already is, else right after
its own import finishes (a finder on ``sys.meta_path`` that wraps Keras' loader, then removes
itself). Either order works: ``import fmnist; import keras`` or ``import keras; import fmnist``.
Standard library only: ``commands.lock_check`` imports ``fmnist`` before anything is installed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

KERAS = "keras"
LAYERS_MODULE = "fmnist.models.layers"


def _register() -> None:
    """Import the layers' module; if it cannot be (say Keras runs on another backend than
    TensorFlow), Keras still loads, and loading the project's models names the reason."""
    try:
        importlib.import_module(LAYERS_MODULE)
    except ImportError as exc:
        warnings.warn(f"fmnist: the project's Keras layers are not registered ({exc})", stacklevel=2)


class RegisterAfterKeras(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when ``keras`` is imported, lets the other finders find it and
    registers the layers once its module has run."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != KERAS:
            return None
        sys.meta_path.remove(self)  # once only, and not while the real finders look
        spec = importlib.util.find_spec(KERAS)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_keras = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_keras(module)
            _register()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def register_keras_layers() -> None:
    """Register :mod:`fmnist.models.layers` now if Keras is loaded, else once it is (if ever)."""
    if KERAS in sys.modules:
        _register()
    elif not any(isinstance(finder, RegisterAfterKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, RegisterAfterKeras())
