"""A search space of params.yaml's ``search`` section, checked against the params it varies."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from fmnist.errors import ParamsError
from fmnist.params import SearchDimension, SearchParams, SearchSpace, parse_params

NOT_SEARCHABLE = ("search", "gate")  # sections no experiment's result depends on


@dataclasses.dataclass(frozen=True)
class Metric:
    file: str
    key: str

    @classmethod
    def parse(cls, text: str) -> Metric:
        file, key = text.split(":")
        return cls(file, key)


def dimension_values(dimension: SearchDimension) -> list[Any]:
    """The values a dimension can take that decide whether it is valid: its choices, or the two
    ends of its range."""
    if dimension.type == "categorical":
        return list(dimension.choices or [])
    cast = int if dimension.type == "int" else float
    return [cast(dimension.low), cast(dimension.high)]


def with_values(raw: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the raw params with dotted ``section.key`` values set."""
    changed = copy.deepcopy(dict(raw))
    for dotted, value in values.items():
        section, key = dotted.split(".", 1)
        changed[section][key] = value
    return changed


def check_space(search: SearchParams, name: str, raw: Mapping[str, Any]) -> SearchSpace:
    """The space ``name``, once every param it varies exists in ``raw`` (the parsed params file)
    and each choice and each end of each range is a valid value of that param."""
    if name not in search.spaces:
        raise ParamsError(
            f"no search space {name!r}; the spaces in search.spaces: {', '.join(search.spaces)}"
        )
    space = search.spaces[name]
    for dotted, dimension in space.params.items():
        where = f"search.spaces.{name}.params.{dotted}"
        section, _, key = dotted.partition(".")
        if section in NOT_SEARCHABLE or section not in raw or key not in (raw[section] or {}):
            raise ParamsError(
                f"{where}: unknown param {dotted!r}; a search varies the keys of the sections "
                + ", ".join(s for s in raw if s not in NOT_SEARCHABLE)
            )
        for value in dimension_values(dimension):
            try:
                parse_params(with_values(raw, {dotted: value}))
            except ParamsError as exc:
                raise ParamsError(f"{where}: the value {value!r} is not valid: {exc}") from None
    return space


def grid(space: SearchSpace) -> dict[str, list[Any]]:
    """The search space of Optuna's GridSampler: every choice of every param."""
    return {dotted: list(d.choices or []) for dotted, d in space.params.items()}


def suggest(trial: Any, dotted: str, dimension: SearchDimension) -> Any:
    """Ask an Optuna trial for one param's value."""
    if dimension.type == "categorical":
        return trial.suggest_categorical(dotted, list(dimension.choices or []))
    if dimension.type == "int":
        return trial.suggest_int(dotted, int(dimension.low), int(dimension.high))
    return trial.suggest_float(dotted, dimension.low, dimension.high, log=dimension.log)
