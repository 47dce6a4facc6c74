"""The sections of params.yaml, each described once by a frozen dataclass.

Field types come from the annotations (``Literal`` lists the allowed choices); ranges come from
``rule()``; a section's ``validate()`` checks what spans several keys. Every key is required, so
params.yaml is the single place where a value lives. :mod:`fmnist.params.checking` applies
these descriptions; :mod:`fmnist.params.loader` reads the file.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, Literal

from fmnist.errors import ParamsError
from fmnist.pictures.pixels import IMAGE_SHAPE

# data.prepare and data.invert: how a picture becomes 28x28 (fmnist/pictures/prepare.py, whose
# PREPARATIONS a test keeps equal to these)
Preparation = Literal["fashion-mnist", "fit", "stretch"]
Invert = Literal["auto", "yes", "no"]


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
class DataParams:
    """Which images the pipeline trains on (fmnist/data/sources)."""

    # each a module of fmnist/data/sources, registered there (a test keeps the two equal)
    source: Literal["fashion-mnist", "folder", "csv", "idx", "packed"]
    path: str = rule("a non-empty path (relative to the project, tracked by dvc add)", bool)
    classes: list[str]
    prepare: Preparation  # how a picture becomes 28x28 (fmnist/pictures/prepare.py)
    invert: Invert | bool  # YAML reads an unquoted yes / no as true / false: the same here
    conflicts: Literal["refuse", "drop"]  # one image under two labels: stop, or leave it out
    corrections: str  # "" = none; else a CSV in git (fmnist/data/corrections.py)

    def __post_init__(self) -> None:
        if isinstance(self.invert, bool):
            object.__setattr__(self, "invert", "yes" if self.invert else "no")

    def validate(self) -> None:
        if self.source in ("csv", "idx"):
            if len(self.classes) < 2:
                raise ParamsError(
                    f"data.classes = {self.classes!r} is not allowed; data.source {self.source!r} "
                    "needs the class names in label order, at least 2"
                )
        elif self.classes:
            where = {
                "folder": "its sub-folder names",
                "packed": "the ones its packed.json lists",
            }.get(self.source, "Fashion-MNIST's ten")
            raise ParamsError(
                f"data.classes = {self.classes!r} is not allowed; expected [] for data.source "
                f"{self.source!r}, whose classes are {where}"
            )
        if len(set(self.classes)) != len(self.classes) or not all(c.strip() for c in self.classes):
            raise ParamsError(
                f"data.classes = {self.classes!r} is not allowed; expected distinct, non-empty names"
            )


@dataclasses.dataclass(frozen=True)
class AuditParams:
    """The audit stage (fmnist/audit)."""

    seed: int = rule("an integer >= 0", lambda v: v >= 0)
    near_duplicate_distance: float = rule(
        "a number from 0 to 10 (L2 between images with pixels in [0, 1])", lambda v: 0 <= v <= 10
    )
    shifted_duplicate_residual: float = rule(
        "a number from 0 to 64 (grey levels: the residual of the best shift, 0-255 pixels)",
        lambda v: 0 <= v <= 64,
    )
    shift_reach: int = rule("an integer from 0 to 4 (pixels)", lambda v: 0 <= v <= 4)
    folds: int = rule("an integer from 2 to 20", lambda v: 2 <= v <= 20)
    model: Literal["logistic", "cnn"]  # the out-of-fold model (fmnist/audit/probabilities.py)
    cnn_epochs: int = rule("an integer from 1 to 50", lambda v: 1 <= v <= 50)
    outliers: int = rule("an integer from 0 to 10000 (images)", lambda v: 0 <= v <= 10000)
    gallery_size: int = rule("an integer from 1 to 100", lambda v: 1 <= v <= 100)


@dataclasses.dataclass(frozen=True)
class SplitParams:
    val_fraction: float = rule("a number with 0 < value < 1", lambda v: 0 < v < 1)
    test_fraction: float = rule("a number with 0 < value < 1", lambda v: 0 < v < 1)
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
    augment_erase: float = rule("a number with 0 (off) <= value <= 1", lambda v: 0 <= v <= 1)
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
    trial_timeout_s: float = rule("a number of seconds > 0", lambda v: v > 0)
    spaces: dict[str, SearchSpace] = rule("a non-empty mapping of space names", bool)


@dataclasses.dataclass(frozen=True)
class Params:
    """Every section of params.yaml, validated; one field per section."""

    base: BaseParams
    data: DataParams
    download: DownloadParams
    split: SplitParams
    audit: AuditParams
    cnn: CnnParams
    svm: SvmParams
    evaluate: EvaluateParams
    plot: PlotParams
    gate: GateParams
    search: SearchParams


SECTIONS: dict[str, type] = typing.get_type_hints(Params)  # section name -> its dataclass
