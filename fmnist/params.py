"""Loading and validating params.yaml, shared by every stage.

Each section of params.yaml is described once, by a frozen dataclass below. Field types come
from the annotations (``Literal`` lists the allowed choices); ranges come from ``rule()``.
Every key is required, so params.yaml is the single place where a value lives. Unknown keys,
wrong types and out-of-range values raise :class:`ParamsError` naming the file, the key, the
value and what is allowed, before a stage does any work. :func:`load_params` returns a typed
:class:`Params` (``params.cnn.epochs``, ``params.svm.seed``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from fmnist.data.dataset import IMAGE_SHAPE
from fmnist.errors import ParamsError

T = TypeVar("T")


def rule(allowed: str, check: Callable[[Any], bool]) -> Any:
    """A dataclass field whose value must satisfy ``check``; ``allowed`` says so in words."""
    return dataclasses.field(metadata={"allowed": allowed, "check": check})


@dataclasses.dataclass(frozen=True)
class BaseParams:
    seed: int = rule("an integer >= 0", lambda v: v >= 0)


@dataclasses.dataclass(frozen=True)
class DownloadParams:
    sources: list[str] = rule("a non-empty list of directories or http(s) URLs", bool)
    timeout_s: float = rule("a number > 0", lambda v: v > 0)


@dataclasses.dataclass(frozen=True)
class SplitParams:
    val_fraction: float = rule("a number with 0 < value < 1", lambda v: 0 < v < 1)
    train_limit: int = rule("0 (all) or an integer >= 100", lambda v: v == 0 or v >= 100)


@dataclasses.dataclass(frozen=True)
class CnnParams:
    seed: int = rule("an integer >= 0", lambda v: v >= 0)
    arch: Literal["lenet", "resnet"]
    conv_layers: int = rule("an integer from 1 to 5", lambda v: 1 <= v <= 5)
    filters: int | list[int] = rule(
        "an integer >= 1 (doubled per layer) or a list of integers >= 1, one per layer",
        lambda v: all(f >= 1 for f in (v if isinstance(v, list) else [v])),
    )
    kernel_size: int = rule("an odd integer from 1 to 9", lambda v: 1 <= v <= 9 and v % 2 == 1)
    dense_units: int = rule("an integer >= 1", lambda v: v >= 1)
    resnet_width: int = rule("an integer from 4 to 256", lambda v: 4 <= v <= 256)
    resnet_blocks: list[int] = rule(
        "a list of 1 to 3 integers from 1 to 8 (residual blocks per stage)",
        lambda v: 1 <= len(v) <= 3 and all(1 <= b <= 8 for b in v),
    )
    dropout: float = rule("a number with 0 <= value < 1", lambda v: 0 <= v < 1)
    optimizer: Literal["adam", "sgd", "rmsprop"]
    learning_rate: float = rule("a number with 0 < value <= 1", lambda v: 0 < v <= 1)
    weight_decay: float = rule("a number with 0 (off) <= value <= 1", lambda v: 0 <= v <= 1)
    lr_schedule: Literal["constant", "cosine"]
    warmup_epochs: float = rule("a number >= 0 (0 = off), less than cnn.epochs", lambda v: v >= 0)
    ema_momentum: float = rule("0 (off) or a number with 0 < value < 1", lambda v: 0 <= v < 1)
    batch_size: int = rule("an integer from 1 to 65536", lambda v: 1 <= v <= 65536)
    epochs: int = rule("an integer >= 1", lambda v: v >= 1)
    early_stopping_patience: int = rule("0 (off) or an integer >= 1", lambda v: v >= 0)
    augment_flip: bool
    augment_shift: int = rule("an integer from 0 (off) to 4 pixels", lambda v: 0 <= v <= 4)
    label_smoothing: float = rule("a number with 0 <= value < 0.5", lambda v: 0 <= v < 0.5)
    predict_flip_average: bool
    precision: Literal["auto", "float32", "mixed_bfloat16"]

    def validate(self) -> None:
        if self.warmup_epochs and self.lr_schedule != "cosine":
            raise ParamsError(
                f"cnn.warmup_epochs = {self.warmup_epochs} needs cnn.lr_schedule = 'cosine' "
                f"(got {self.lr_schedule!r}); use 0 for no warm-up"
            )
        if self.warmup_epochs >= self.epochs:
            raise ParamsError(
                f"cnn.warmup_epochs = {self.warmup_epochs} is not allowed; expected less than "
                f"cnn.epochs = {self.epochs}"
            )
        if self.arch == "resnet":
            return  # the lenet keys below do not shape a resnet (see ignored_keys)
        if isinstance(self.filters, list) and len(self.filters) != self.conv_layers:
            raise ParamsError(
                f"cnn.filters = {self.filters} has {len(self.filters)} entries; "
                f"expected one per layer (cnn.conv_layers = {self.conv_layers})"
            )
        side = IMAGE_SHAPE[0]
        for layer in range(1, self.conv_layers + 1):
            side = (side - self.kernel_size + 1) // 2  # 'valid' conv, then 2x2 max-pool
            if side < 1:
                raise ParamsError(
                    f"cnn.conv_layers = {self.conv_layers} with cnn.kernel_size = "
                    f"{self.kernel_size} shrinks the 28x28 input to nothing at conv layer "
                    f"{layer}; use fewer cnn.conv_layers or a smaller cnn.kernel_size"
                )

    def ignored_keys(self) -> list[str]:
        """The keys of the other architecture: present (every key is required) but unused."""
        lenet = ["conv_layers", "filters", "kernel_size", "dense_units"]
        return [
            f"cnn.{k}"
            for k in (lenet if self.arch == "resnet" else ["resnet_width", "resnet_blocks"])
        ]


@dataclasses.dataclass(frozen=True)
class SvmParams:
    seed: int = rule("an integer >= 0", lambda v: v >= 0)
    kernel: Literal["rbf", "poly", "linear"]
    C: float = rule("a number > 0", lambda v: v > 0)
    gamma: Literal["scale", "auto"] | float = rule(
        "'scale', 'auto' or a number > 0", lambda v: isinstance(v, str) or v > 0
    )
    degree: int = rule("an integer from 1 to 10", lambda v: 1 <= v <= 10)
    features: Literal["pixels", "hog", "pixels+hog"]
    pca_components: int = rule("0 (off) or an integer from 1 to 784", lambda v: 0 <= v <= 784)
    standardize: bool
    train_limit: int = rule("0 (all) or an integer >= 10", lambda v: v == 0 or v >= 10)


@dataclasses.dataclass(frozen=True)
class EvaluateParams:
    batch_size: int = rule("an integer >= 1", lambda v: v >= 1)
    latency_images: int = rule("an integer >= 1", lambda v: v >= 1)
    bootstrap_samples: int = rule("an integer >= 100", lambda v: v >= 100)


@dataclasses.dataclass(frozen=True)
class PlotParams:
    misclassified_grid: int = rule("an integer from 1 to 10 (grid side)", lambda v: 1 <= v <= 10)
    dpi: int = rule("an integer from 50 to 300", lambda v: 50 <= v <= 300)


@dataclasses.dataclass(frozen=True)
class GateRule:
    file: str = rule("a metrics file path", bool)
    key: str = rule("a metric key, dotted for nested values", bool)
    max_drop: float = rule("a number >= 0", lambda v: v >= 0)
    min: float


@dataclasses.dataclass(frozen=True)
class GateParams:
    rules: list[GateRule] = rule("a non-empty list of rules", bool)


@dataclasses.dataclass(frozen=True)
class SearchDimension:
    """One searched param: ``type: float|int`` with ``low``, ``high`` (``log: true`` for a
    log-uniform float), or ``type: categorical`` with ``choices``. The only optional keys in
    params.yaml: a dimension gives only those of its type."""

    type: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[bool | int | float | str] | None = None

    def validate(self) -> None:
        if self.type == "categorical":
            if not self.choices or self.low is not None or self.high is not None or self.log:
                raise ParamsError(
                    "a categorical dimension needs a non-empty choices list, and no low, high or log"
                )
            return
        if self.low is None or self.high is None or self.choices is not None:
            raise ParamsError(f"a {self.type} dimension needs low and high, and no choices")
        if not self.low < self.high:
            raise ParamsError(f"low = {self.low:g} must be less than high = {self.high:g}")
        if self.type == "int" and not (
            float(self.low).is_integer() and float(self.high).is_integer()
        ):
            raise ParamsError("an int dimension needs whole-number low and high")
        if self.log and (self.type != "float" or self.low <= 0):
            raise ParamsError("log needs a float dimension with low > 0")


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    sampler: Literal["tpe", "grid"]
    trials: int = rule("an integer >= 1", lambda v: v >= 1)
    params: dict[str, SearchDimension] = rule("a non-empty mapping of param keys", bool)

    def validate(self) -> None:
        if self.sampler == "grid":
            ranged = [k for k, d in self.params.items() if d.type != "categorical"]
            if ranged:
                raise ParamsError(
                    f"the grid sampler needs choices for every param, not a range: {ranged[0]}"
                )


@dataclasses.dataclass(frozen=True)
class SearchParams:
    """``fmnist search``: Optuna trials as DVC experiments. No stage reads this section."""

    metric: str = rule("a metrics file and a key, as file:key", lambda v: v.count(":") == 1)
    direction: Literal["maximize", "minimize"]
    stage: str = rule("a stage of dvc.yaml", bool)
    seed: int = rule("an integer >= 0", lambda v: v >= 0)
    spaces: dict[str, SearchSpace] = rule("a non-empty mapping of space names", bool)


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if origin is list:
        return f"a list of ({_describe(typing.get_args(tp)[0])})"
    if origin is dict:
        return f"a mapping of names to ({_describe(typing.get_args(tp)[1])})"
    if dataclasses.is_dataclass(tp):
        return "a mapping with keys " + ", ".join(f.name for f in dataclasses.fields(tp))
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[tp]


_NO = object()


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Return ``value`` converted to ``tp``, ``_NO`` if it has the wrong type."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        return value if value in typing.get_args(tp) else _NO
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            converted = _coerce(value, option, key)
            if converted is not _NO:
                return converted
        return _NO
    if origin is list:
        if not isinstance(value, list):
            return _NO
        (item_tp,) = typing.get_args(tp)
        items = [_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value)]
        return _NO if any(i is _NO for i in items) else items
    if origin is dict:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            return _NO
        _, item_tp = typing.get_args(tp)
        items = {k: _coerce(v, item_tp, f"{key}.{k}") for k, v in value.items()}
        return _NO if any(v is _NO for v in items.values()) else items
    if dataclasses.is_dataclass(tp):
        return build_section(tp, key, value) if isinstance(value, Mapping) else _NO
    if tp is bool:
        return value if isinstance(value, bool) else _NO
    if isinstance(value, bool):
        return _NO
    if tp is int:
        return value if isinstance(value, int) else _NO
    if tp is float:
        return float(value) if isinstance(value, int | float) else _NO
    return value if isinstance(value, tp) else _NO


def build_section(cls: type[T], name: str, raw: Any) -> T:
    """Validate one mapping against dataclass ``cls``; ``name`` is its dotted key."""
    if not isinstance(raw, Mapping):
        raise ParamsError(f"{name} = {raw!r} is not allowed; expected a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(
            f"unknown key {name}.{unknown[0]}; allowed keys in {name}: " + ", ".join(fields)
        )
    hints = typing.get_type_hints(cls, include_extras=True)
    values = {}
    for field_name, field in fields.items():
        key = f"{name}.{field_name}"
        if field_name not in raw:
            if field.default is not dataclasses.MISSING:  # an optional key (search dimensions)
                values[field_name] = field.default
                continue
            raise ParamsError(f"missing key {key} ({_describe(hints[field_name])})")
        value = _coerce(raw[field_name], hints[field_name], key)
        allowed = field.metadata.get("allowed")
        if value is _NO:
            expected = allowed or _describe(hints[field_name])
            raise ParamsError(f"{key} = {raw[field_name]!r} is not allowed; expected {expected}")
        if allowed and not field.metadata["check"](value):
            raise ParamsError(f"{key} = {raw[field_name]!r} is not allowed; expected {allowed}")
        values[field_name] = value
    section = cls(**values)
    validate = getattr(section, "validate", None)
    if validate is not None:
        try:
            validate()
        except ParamsError as exc:  # a nested section's own check: say where it is
            message = str(exc)
            raise ParamsError(
                message if message.startswith(name.split(".")[0]) else f"{name}: {message}"
            ) from None
    return section


@dataclasses.dataclass(frozen=True)
class Params:
    """Every section of params.yaml, validated; one field per section."""

    base: BaseParams
    download: DownloadParams
    split: SplitParams
    cnn: CnnParams
    svm: SvmParams
    evaluate: EvaluateParams
    plot: PlotParams
    gate: GateParams
    search: SearchParams


SECTIONS: dict[str, type] = typing.get_type_hints(Params)  # section name -> its dataclass


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
