"""Reading params.yaml: every section validated before a stage does any work; errors name the
file and the key. :func:`load_params` returns a typed :class:`~fmnist.params.schema.Params`
(``params.cnn.epochs``, ``params.svm.seed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fmnist.errors import ParamsError
from fmnist.params.checking import build_section
from fmnist.params.schema import SECTIONS, Params


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate every section of the params file; errors name the file and the key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    try:
        return parse_params(raw)
    except ParamsError as exc:
        raise ParamsError(f"{path}: {exc}") from None


def parse_params(raw: Any) -> Params:
    """Validate the parsed content of a params file (a mapping of sections)."""
    if not isinstance(raw, Mapping):
        raise ParamsError(f"expected a mapping of sections {', '.join(SECTIONS)}")
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ParamsError(f"unknown section {unknown[0]}; allowed sections: {', '.join(SECTIONS)}")
    missing = [name for name in SECTIONS if name not in raw]
    if missing:
        raise ParamsError(f"missing section {missing[0]}")
    return Params(**{name: build_section(cls, name, raw[name]) for name, cls in SECTIONS.items()})
