"""params.yaml as typed, validated dataclasses, shared by every stage and command.

- :mod:`~fmnist.params.schema`: the sections, one frozen dataclass each, with their rules;
- :mod:`~fmnist.params.checking`: the engine that checks a mapping against a section;
- :mod:`~fmnist.params.loader`: reading the file (:func:`load_params`).
"""

from fmnist.params.checking import build_section
from fmnist.params.loader import load_params, parse_params
from fmnist.params.schema import (
    SECTIONS,
    AuditParams,
    BaseParams,
    CnnParams,
    DataParams,
    DownloadParams,
    EvaluateParams,
    GateParams,
    GateRule,
    Params,
    PlotParams,
    SearchDimension,
    SearchParams,
    SearchSpace,
    SplitParams,
    SvmParams,
    rule,
)

__all__ = [
    "SECTIONS",
    "AuditParams",
    "BaseParams",
    "CnnParams",
    "DataParams",
    "DownloadParams",
    "EvaluateParams",
    "GateParams",
    "GateRule",
    "Params",
    "PlotParams",
    "SearchDimension",
    "SearchParams",
    "SearchSpace",
    "SplitParams",
    "SvmParams",
    "build_section",
    "load_params",
    "parse_params",
    "rule",
]
