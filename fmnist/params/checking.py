"""Checking a parsed mapping against a section's dataclass: types from the annotations, ranges
from each field's ``rule()``, then the section's own ``validate()``. Unknown keys, wrong types
and out-of-range values raise :class:`~fmnist.errors.ParamsError` naming the key, the value and
what is allowed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from fmnist.errors import ParamsError

T = TypeVar("T")


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
