"""The report's inputs: experiments from ``dvc exp show --json``, each run's per-image predictions
through ``dvc.api``, and Optuna studies (``fmnist report`` writes the page from them).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

import fmnist.report as seed_study
from fmnist.dvc_adapter import QUERY_TIMEOUT_S, DvcError, dvc_json, read_at_rev
from fmnist.models.kinds import MODELS


def read_experiments(revs: Sequence[str], num: int, all_commits: bool) -> list[dict[str, Any]]:
    """`dvc exp show --json` for the selected baselines (nested: no ambiguous column names)."""
    selected = ["-A"] if all_commits else [arg for rev in revs for arg in ("--rev", rev)]
    try:
        return dvc_json(["exp", "show", "-n", str(num), *selected], timeout_s=QUERY_TIMEOUT_S)
    except DvcError as exc:
        raise seed_study.ReportError(str(exc)) from None


Labelled = tuple[np.ndarray, np.ndarray]  # (predicted labels, true labels) of the test images


def read_predictions(model: str, rev: str) -> Labelled:
    """One run's per-image predictions at ``rev`` through ``dvc.api`` (cache or remote)."""
    spec = MODELS[model]
    try:
        text = str(read_at_rev(spec.predictions_file, rev))
    except DvcError as exc:  # not in the local cache or the remote
        raise seed_study.ReportError(
            f"{spec.predictions_file} at {rev[:7]}: {exc.reason} "
            "(`dvc pull`, `dvc exp pull` bring it)"
        ) from None
    table = pd.read_csv(io.StringIO(text)).sort_values("index")
    return table["predicted"].to_numpy(dtype=str), table["actual"].to_numpy(dtype=str)


class Predictions:
    """Per-image predicted and true labels of each run, read once with ``read(model, rev)``:
    :func:`read_predictions` (the experiments) or a snapshot's (:mod:`.snapshot`)."""

    def __init__(self, runs: pd.DataFrame, read: Callable[[str, str], Labelled]) -> None:
        self.runs = runs
        self._read = read
        self._cache: dict[tuple[str, str], Labelled] = {}

    def of(self, model: str, rev: str) -> Labelled:
        if (model, rev) not in self._cache:
            self._cache[(model, rev)] = self._read(model, rev)
        return self._cache[(model, rev)]

    def every_run(self) -> dict[tuple[str, str], Labelled]:
        """Every run's predictions (all read), for a snapshot."""
        return {(row.model, row.rev): self.of(row.model, row.rev) for row in self.runs.itertuples()}

    def by_seed(self, model: str, config: seed_study.Config) -> dict[int, Labelled]:
        rows = self.runs[(self.runs["model"] == model) & (self.runs["config"] == config)]
        return {int(row.seed): self.of(model, row.rev) for row in rows.itertuples()}

    @staticmethod
    def labels(runs: dict[int, Labelled], where: str) -> np.ndarray:
        """The true labels the runs share; one error line when they differ."""
        first, *others = [actual for _, actual in runs.values()]
        if any(not np.array_equal(first, other) for other in others):
            raise seed_study.ReportError(f"{where}: the runs of one configuration differ in labels")
        return first

    def compare(
        self,
        model_a: str,
        config_a: seed_study.Config,
        model_b: str,
        config_b: seed_study.Config,
        labels_of: str = "b",
    ) -> dict[str, Any] | None:
        """:func:`~fmnist.report.paired_comparison` of two configurations, scored on the test
        labels of ``config_b``'s runs (``labels_of="a"``: of ``config_a``'s; they differ only
        between data versions, such as a corrected one); None when either was not run."""
        a, b = self.by_seed(model_a, config_a), self.by_seed(model_b, config_b)
        if not a or not b:
            return None
        labels = self.labels(
            b if labels_of == "b" else a, f"{model_b if labels_of == 'b' else model_a}"
        )
        for side in (a, b):
            for predicted, _ in side.values():
                if len(predicted) != len(labels):
                    raise seed_study.ReportError(
                        f"{model_a} and {model_b}: runs on other test images than the rest"
                    )
        return seed_study.paired_comparison(
            {seed: p for seed, (p, _) in a.items()}, {seed: p for seed, (p, _) in b.items()}, labels
        )


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


def search_section(search: Any, metric: str) -> tuple[str, Any]:
    """The Markdown of one search (``metric``: what it chose by, ``file:key``) and its
    optimisation-history figure (None without trials)."""
    import optuna
    from optuna.trial import TrialState

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
