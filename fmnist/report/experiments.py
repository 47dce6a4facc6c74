"""The report's inputs: experiments from ``dvc exp show --json``, each run's per-image predictions
through ``dvc.api``, and Optuna studies (``fmnist report`` writes the page from them).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import fmnist.report as study


def read_experiments(revs: Sequence[str], num: int, all_commits: bool) -> list[dict[str, Any]]:
    """`dvc exp show --json` for the selected baselines (nested: no ambiguous column names)."""
    command = [sys.executable, "-m", "dvc", "exp", "show", "--json", "-n", str(num)]
    command += ["-A"] if all_commits else [arg for rev in revs for arg in ("--rev", rev)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise study.ReportError(
            f"`dvc exp show` failed: {result.stderr.strip().splitlines()[-1:] or result.returncode}"
        )
    return json.loads(result.stdout)


class Predictions:
    """Per-image predicted labels of each run, read once through ``dvc.api.open``."""

    def __init__(self, runs: pd.DataFrame) -> None:
        self.runs = runs
        self.labels: np.ndarray | None = None
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _read(self, model: str, rev: str) -> np.ndarray:
        import dvc.api  # slow to import; only needed here

        spec = next(s for s in study.MODELS if s.name == model)
        key = (rev, spec.predictions_file)
        if key not in self._cache:
            try:
                text = dvc.api.read(spec.predictions_file, rev=rev)
            except Exception as exc:  # any DVC failure: the file is not at hand
                raise study.ReportError(
                    f"{spec.predictions_file} at {rev[:7]}: {type(exc).__name__} "
                    "(not in the local cache or the remote: `dvc pull`, `dvc exp pull`)"
                ) from exc
            table = pd.read_csv(io.StringIO(text)).sort_values("index")
            actual = table["actual"].to_numpy()
            if self.labels is None:
                self.labels = actual
            elif not np.array_equal(self.labels, actual):
                raise study.ReportError(
                    f"{spec.predictions_file} at {rev[:7]} is on other test images than the rest"
                )
            self._cache[key] = table["predicted"].to_numpy()
        return self._cache[key]

    def by_seed(self, model: str, config: study.Config) -> dict[int, np.ndarray]:
        rows = self.runs[(self.runs["model"] == model) & (self.runs["config"] == config)]
        return {int(row.seed): self._read(model, row.rev) for row in rows.itertuples()}

    def compare(
        self, model_a: str, config_a: study.Config, model_b: str, config_b: study.Config
    ) -> dict[str, Any] | None:
        a, b = self.by_seed(model_a, config_a), self.by_seed(model_b, config_b)
        if not a or not b:
            return None
        return study.paired_comparison(a, b, self.labels)


def load_search(name: str, storage: str | None) -> Any:
    """The Optuna study ``name``, or one error line naming the studies there are."""
    import optuna

    from fmnist.search.study import DEFAULT_STORAGE, safe_url

    url = storage or DEFAULT_STORAGE
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        return optuna.load_study(study_name=name, storage=url)
    except KeyError:
        names = ", ".join(s.study_name for s in optuna.get_all_study_summaries(url)) or "none"
        raise study.ReportError(
            f"--search {name!r}: no such study in {safe_url(url)}; there: {names}"
        ) from None


def search_section(search: Any) -> tuple[str, Any]:
    """The Markdown of one search and its optimisation-history figure (None without trials)."""
    import optuna
    from optuna.trial import TrialState

    from fmnist.params import load_params

    metric = load_params().search.metric
    maximize = search.direction.name == "MAXIMIZE"
    trials = search.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    try:
        importances = optuna.importance.get_param_importances(search) if len(complete) > 2 else {}
    except (ValueError, RuntimeError):  # e.g. a param that never varied
        importances = {}
    figure_name = f"search_{search.study_name}.png" if complete else None
    history = (
        study.history_figure([(t.number, t.value) for t in complete], maximize, metric)
        if complete
        else None
    )
    grid = any("grid_id" in t.system_attrs for t in trials)  # studies made before the attribute
    sampler = search.user_attrs.get("sampler") or ("GridSampler" if grid else "sampler unrecorded")
    table = study.trials_table(trials, metric.split(":")[1], maximize)
    return study.search_markdown(
        search.study_name, sampler, metric, table, importances, figure_name
    ), history
