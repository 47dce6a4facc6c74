"""The study report's runs: experiments from `dvc exp show --json`, one row per trained model.

Each finished experiment holds one trained CNN and one trained SVM. A *run* is one of them: the
model's params section (its seed apart) plus the sections that shape the data (``base``,
``data``, ``split``: the data version is part of it) make its *configuration*; its seed is
``cnn.seed`` / ``svm.seed``. Runs with the same configuration and seed are the same model (an
SVM-only experiment carries the baseline CNN unchanged), so each is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from fmnist.errors import PipelineError
from fmnist.models.kinds import MODELS

# params upstream of both models, part of every configuration (``data`` is absent from the
# params.yaml of older commits: their runs have no data keys)
DATA_SECTIONS = ("base", "data", "split")
STATS = ("accuracy", "macro_f1", "train_seconds", "throughput_images_per_s")
ALPHA = 0.05


class ReportError(PipelineError):
    """Nothing to report on, or a report option that names no param."""


Config = tuple[tuple[str, Any], ...]  # sorted (dotted param key, value) pairs, hashable
ABSENT = "–"  # shown for a key that a configuration does not have (an older params.yaml)


def _flatten(section: str, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        f"{section}.{key}": tuple(value) if isinstance(value, list) else value
        for key, value in values.items()
    }


def model_config(params: Mapping[str, Any], model: str) -> tuple[Config, int]:
    """A run's configuration (``model`` section without its seed, plus data sections) and seed."""
    flat: dict[str, Any] = {}
    for section in DATA_SECTIONS:
        flat.update(_flatten(section, params.get(section) or {}))
    flat.update(_flatten(model, params[model]))
    seed = flat.pop(f"{model}.seed")
    return tuple(sorted(flat.items())), int(seed)


def _exp_rows(exp_show: Sequence[Mapping[str, Any]]) -> Iterable[tuple[str, str, str, Any]]:
    """(name, rev, state, data) for each baseline commit and experiment, newest baseline first."""
    for baseline in exp_show:
        name = baseline.get("name") or baseline["rev"][:7]
        yield name, baseline["rev"], "baseline", baseline
        for exp in baseline.get("experiments") or []:
            state = (exp.get("executor") or {}).get("state") or "success"
            for rev in exp["revs"]:
                yield rev.get("name") or rev["rev"][:7], rev["rev"], state, rev


def collect_runs(
    exp_show: Sequence[Mapping[str, Any]],
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """Every distinct finished run in a `dvc exp show --json` answer.

    Returns the runs (one row per model, configuration and seed: the first one met, baselines
    before their experiments), a line for each experiment skipped and why, and the params of the
    newest baseline commit (the reference configuration).
    """
    runs: list[dict[str, Any]] = []
    skipped: list[str] = []
    seen: dict[tuple[str, Config, int], str] = {}
    reference: dict[str, Any] | None = None
    for name, rev, state, entry in _exp_rows(exp_show):
        if rev == "workspace":
            skipped.append("workspace: not an experiment (commit it or use `dvc exp run`)")
            continue
        if state not in ("baseline", "success"):
            skipped.append(f"{name}: {state}, no results yet")
            continue
        if entry.get("error") or not entry.get("data"):
            reason = (entry.get("error") or {}).get("msg") or "no data"
            skipped.append(f"{name}: unreadable ({reason})")
            continue
        data = entry["data"]
        params = ((data.get("params") or {}).get("params.yaml") or {}).get("data") or {}
        metrics = {
            path: (m or {}).get("data") or {} for path, m in (data.get("metrics") or {}).items()
        }
        found = []
        for spec in MODELS.values():
            try:
                config, seed = model_config(params, spec.key)
                values = {stat: float(metrics[spec.metrics_file][stat]) for stat in STATS}
                values["test_images"] = int(metrics[spec.metrics_file]["test_images"])
                record = metrics.get(spec.train_file) or {}
                values["ran_on"] = " ".join(
                    str(record[k]) for k in ("precision", "device") if record.get(k)
                )
            except (KeyError, TypeError, ValueError) as exc:
                skipped.append(
                    f"{name}: {spec.key} skipped, not a run of this project "
                    f"(no {exc} in its params.yaml or {spec.metrics_file})"
                )
                continue
            found.append((spec.key, config, seed, values))
        if state == "baseline" and reference is None and found:
            reference = params
        for model, config, seed, values in found:
            key = (model, config, seed)
            if key in seen:
                continue  # same model as an earlier run (e.g. the CNN of an SVM-only experiment)
            seen[key] = name
            runs.append(
                {
                    "model": model,
                    "config": config,
                    "seed": seed,
                    "name": name,
                    "rev": rev,
                    "baseline": state == "baseline",
                    **values,
                }
            )
    if not runs:
        raise ReportError(
            "no finished experiment to report on ("
            + ("; ".join(skipped) or "no experiments at the selected revisions")
            + "): run some with `dvc exp run --queue ...` and `dvc queue start`"
        )
    if reference is None:
        raise ReportError("no baseline commit among the selected revisions has results")
    return pd.DataFrame(runs), skipped, reference


def value(config: Config, key: str) -> Any:
    """The configuration's value of ``key``; :data:`ABSENT` where it has none."""
    return dict(config).get(key, ABSENT)


def varying_keys(configs: Iterable[Config]) -> list[str]:
    """The param keys whose value differs between the configurations (or is not in all)."""
    configs = list(configs)
    keys = {key for config in configs for key, _ in config}
    return sorted(k for k in keys if len({repr(value(config, k)) for config in configs}) > 1)


def shown(value: Any) -> Any:
    """A param value as params.yaml writes it (lists were made tuples to be hashable)."""
    return list(value) if isinstance(value, tuple) else value


def rounded(value: Any) -> str:
    """A param value for people: floats to 3 significant digits (the exact values stay in
    runs.csv), lists element by element, the rest as params.yaml writes it."""
    if isinstance(value, bool) or not isinstance(value, (float, tuple, list)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return "[" + ", ".join(rounded(item) for item in value) + "]"


def label(config: Config, keys: Sequence[str]) -> str:
    """``cnn.conv_layers=1 cnn.dropout=0.5`` (values rounded); ``baseline params`` when no key
    varies."""
    return " ".join(f"{key}={rounded(value(config, key))}" for key in keys) or "baseline params"
