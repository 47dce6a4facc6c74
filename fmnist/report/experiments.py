"""The report's inputs: experiments from ``dvc exp show --json``, each run's per-image predictions
through ``dvc.api``, and Optuna studies (``fmnist report`` writes the page from them).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import fmnist.report as seed_study
from fmnist.dvc_adapter import QUERY_TIMEOUT_S, DvcError, dvc_json, read_at_rev


def read_experiments(revs: Sequence[str], num: int, all_commits: bool) -> list[dict[str, Any]]:
    """`dvc exp show --json` for the selected baselines (nested: no ambiguous column names)."""
    selected = ["-A"] if all_commits else [arg for rev in revs for arg in ("--rev", rev)]
    try:
        return dvc_json(["exp", "show", "-n", str(num), *selected], timeout_s=QUERY_TIMEOUT_S)
    except DvcError as exc:
        raise seed_study.ReportError(str(exc)) from None


class Predictions:
    """Per-image predicted labels of each run, read once through ``dvc.api.open``."""

    def __init__(self, runs: pd.DataFrame) -> None:
        self.runs = runs
        self.labels: np.ndarray | None = None
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _read(self, model: str, rev: str) -> np.ndarray:
        spec = next(s for s in seed_study.MODELS if s.name == model)
        key = (rev, spec.predictions_file)
        if key not in self._cache:
            try:
                text = str(read_at_rev(spec.predictions_file, rev))
            except DvcError as exc:  # not in the local cache or the remote
                raise seed_study.ReportError(
                    f"{spec.predictions_file} at {rev[:7]}: {exc.reason} "
                    "(`dvc pull`, `dvc exp pull` bring it)"
                ) from None
            table = pd.read_csv(io.StringIO(text)).sort_values("index")
            actual = table["actual"].to_numpy()
            if self.labels is None:
                self.labels = actual
            elif not np.array_equal(self.labels, actual):
                raise seed_study.ReportError(
                    f"{spec.predictions_file} at {rev[:7]} is on other test images than the rest"
                )
            self._cache[key] = table["predicted"].to_numpy()
        return self._cache[key]

    def by_seed(self, model: str, config: seed_study.Config) -> dict[int, np.ndarray]:
        rows = self.runs[(self.runs["model"] == model) & (self.runs["config"] == config)]
        return {int(row.seed): self._read(model, row.rev) for row in rows.itertuples()}

    def compare(
        self, model_a: str, config_a: seed_study.Config, model_b: str, config_b: seed_study.Config
    ) -> dict[str, Any] | None:
        a, b = self.by_seed(model_a, config_a), self.by_seed(model_b, config_b)
        if not a or not b:
            return None
        return seed_study.paired_comparison(a, b, self.labels)


def load_search(name: str, storage: str | None) -> Any:
    """The Optuna study ``name``, or one error line naming the studies there are."""
    import optuna

    from fmnist.search.storage import DEFAULT_STORAGE, safe_url

    url = storage or DEFAULT_STORAGE
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        return optuna.load_study(study_name=name, storage=url)
    except KeyError:
        names = ", ".join(s.study_name for s in optuna.get_all_study_summaries(url)) or "none"
        raise seed_study.ReportError(
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
        seed_study.history_figure([(t.number, t.value) for t in complete], maximize, metric)
        if complete
        else None
    )
    grid = any("grid_id" in t.system_attrs for t in trials)  # studies made before the attribute
    sampler = search.user_attrs.get("sampler") or ("GridSampler" if grid else "sampler unrecorded")
    table = seed_study.trials_table(trials, metric.split(":")[1], maximize)
    return seed_study.search_markdown(
        search.study_name, sampler, metric, table, importances, figure_name
    ), history
