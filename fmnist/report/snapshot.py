"""The report's inputs, saved beside it: the page can be made again from a clone.

Experiments are git refs that ``git clone`` does not bring, and their outputs live in caches;
so ``fmnist report`` keeps what it read in its output directory, and ``fmnist report --from
DIR`` makes the same page from there:

- ``runs.csv``: one row per distinct run (exact params as JSON, seed, metrics, where it ran);
- ``predictions.npz``: each run's predicted and true label of every test image, as indices into
  the ``classes`` array (true labels stored once per distinct set);
- ``study.json``: the reference configurations, the revisions read and what was skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fmnist.files import atomic_path
from fmnist.report.runs import Config, ReportError

RUNS = "runs.csv"
PREDICTIONS = "predictions.npz"
META = "study.json"
Labelled = tuple[np.ndarray, np.ndarray]


def config_json(config: Config) -> str:
    return json.dumps(dict(config), default=str)


def config_from_json(text: str) -> Config:
    values = json.loads(text)
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))


def save_snapshot(
    out: Path,
    runs: pd.DataFrame,
    predictions: Mapping[tuple[str, str], Labelled],
    meta: Mapping[str, Any],
) -> None:
    """Write the three files into ``out`` (each replaced whole)."""
    classes = np.unique(
        np.concatenate([part.astype(str) for pair in predictions.values() for part in pair])
    )

    def encoded(values: np.ndarray) -> np.ndarray:  # each label's index in the sorted classes
        return np.searchsorted(classes, values.astype(str)).astype(np.uint16)

    arrays: dict[str, np.ndarray] = {"classes": classes}
    labels: dict[str, str] = {}
    for (model, rev), (predicted, actual) in predictions.items():
        arrays[f"predicted__{model}__{rev}"] = encoded(predicted)
        digest = hashlib.sha256(encoded(actual).tobytes()).hexdigest()[:16]
        arrays.setdefault(f"actual__{digest}", encoded(actual))
        labels[f"{model}__{rev}"] = digest
    table = runs.assign(config=runs["config"].map(config_json))
    with atomic_path(out / RUNS) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(out / PREDICTIONS) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    with atomic_path(out / META) as tmp:
        tmp.write_text(json.dumps({**meta, "labels": labels}, indent=2, sort_keys=True) + "\n")


def load_snapshot(
    directory: Path,
) -> tuple[pd.DataFrame, dict[str, Any], Callable[[str, str], Labelled]]:
    """The runs, the metadata and a reader of each run's predictions, from ``directory``."""
    paths = [directory / name for name in (RUNS, PREDICTIONS, META)]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ReportError(
            f"--from {directory}: no {', '.join(missing)} (`fmnist report` writes them)"
        )
    runs = pd.read_csv(paths[0], keep_default_na=False)
    runs["config"] = runs["config"].map(config_from_json)
    runs["baseline"] = runs["baseline"].map(lambda v: str(v) == "True")
    meta = json.loads(paths[2].read_text())
    arrays = dict(np.load(paths[1], allow_pickle=False))
    classes = arrays["classes"]

    def read(model: str, rev: str) -> Labelled:
        try:
            digest = meta["labels"][f"{model}__{rev}"]
            return classes[arrays[f"predicted__{model}__{rev}"]], classes[arrays[f"actual__{digest}"]]
        except KeyError:
            raise ReportError(f"{paths[1]}: no predictions of {model} at {rev[:7]}") from None

    return runs, meta, read
