"""Reading metrics files at any revision through DVC, and dotted keys inside them."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)
Metrics = Mapping[str, Any] | None  # one metrics file's content; None: missing


def lookup(metrics: Metrics, key: str) -> Any:
    """The value at dotted ``key``, or None when any part of the path is missing."""
    value: Any = metrics
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def read_metrics(files: Sequence[str], rev: str | None) -> dict[str, Metrics]:
    """Each metrics file's content at ``rev`` (None: the workspace), through DVC."""
    from fmnist.dvc_adapter import DvcError, metrics_at_rev

    found: dict[str, Metrics] = {}
    for path in dict.fromkeys(files):
        try:
            found[path] = metrics_at_rev(path, rev) or None
        except DvcError as exc:  # the metric is missing there: the caller says what that means
            log.warning("%s", exc)
            found[path] = None
    return found
