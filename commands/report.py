"""Study report: experiments aggregated over seeds, compared pairwise, the study's claims checked.

Reads the experiments with `dvc exp show --json` (the baseline commit and its experiments; more
commits with ``-n``/``--all-commits``), the per-image predictions of each run with
``dvc.api.open``, and writes ``<out>/study.md``, ``<out>/runs.csv`` (one row per distinct run)
and ``<out>/accuracy_by_depth.png``. Nothing is written when there is nothing to report.

    dvc exp run --queue -S 'cnn.conv_layers=1,2,3' -S 'cnn.dropout=0.2,0.5' -S 'cnn.seed=42,1'
    dvc queue start        # then wait until `dvc queue status` shows nothing Queued or Running
    python -m commands.report
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import fmnist.report as study
from fmnist.cli import run_stage
from fmnist.files import atomic_path

log = logging.getLogger(__name__)
FIGURE = "accuracy_by_depth.png"


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", action="append", default=[], help="baseline commit (HEAD)")
    parser.add_argument("-n", "--num", type=int, default=1, help="commits back from each --rev")
    parser.add_argument("-A", "--all-commits", action="store_true", help="every commit")
    parser.add_argument("--out", default="reports", help="output directory")
    parser.add_argument("--x", default="cnn.conv_layers", help="figure: the x axis param")
    parser.add_argument("--hue", default="cnn.dropout", help="figure: one line per value")
    parser.add_argument(
        "--search", action="append", default=[], metavar="STUDY", help="add a search's section"
    )
    parser.add_argument("--storage", default=None, help="the searches' study database URL")
    args = parser.parse_args(argv)
    searches = [load_search(name, args.storage) for name in args.search]  # fail before work

    exps = read_experiments(args.rev, args.num, args.all_commits)
    runs, skipped, params = study.collect_runs(exps)
    for line in skipped:
        log.info("skipped %s", line)
    references = {spec.name: study.model_config(params, spec.name)[0] for spec in study.MODELS}
    known = {key for config in references.values() for key, _ in config}
    for option in (args.x, args.hue):
        if option not in known:
            raise study.ReportError(f"--x/--hue {option!r} is not a param; known: {sorted(known)}")
    groups = study.aggregate(runs)
    predictions = Predictions(runs)
    comparisons = study.comparisons_table(groups, references, predictions.compare)
    test_images = int(runs["test_images"].max())
    claims = study.claims_table(study.CLAIMS, groups, references, predictions.compare, test_images)
    claims = pd.concat([claims, pd.DataFrame([study.speed_claim(groups, references)])])
    figure = study.accuracy_figure(runs, groups, "cnn", args.x, args.hue, references["cnn"])
    ran_on = runs.loc[runs["ran_on"] != "", "ran_on"].value_counts()
    machine = (
        "CNN runs trained with "
        + ("; ".join(f"{where} ({count} runs)" for where, count in ran_on.items()) or "unrecorded")
        + "."
    )
    selection = (
        "all commits"
        if args.all_commits
        else (
            f"the experiments of {', '.join(args.rev) or 'HEAD'}"
            + (f" and {args.num - 1} commits before" if args.num > 1 else "")
        )
    )
    figures = {f"Test accuracy against {args.x}, a line per {args.hue}": FIGURE} if figure else {}
    text = study.render_markdown(
        title="The study, measured: seeds, sweep and claims",
        command="python -m commands.report " + shlex.join(argv if argv is not None else sys.argv[1:]),
        selection=selection,
        machine=machine,
        groups=groups,
        comparisons=comparisons,
        claims=claims,
        skipped=skipped,
        figures=figures,
        cpu_minutes=(runs.groupby("model", sort=False)["train_seconds"].sum() / 60).to_dict(),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = runs.assign(config=runs["config"].map(lambda c: json.dumps(dict(c), default=str)))
    with atomic_path(out / "runs.csv") as tmp:
        table.to_csv(tmp, index=False)
    if figure is not None:
        with atomic_path(out / FIGURE) as tmp:
            figure.savefig(tmp, dpi=100, format="png")
    for search, (section, history) in zip(searches, map(search_section, searches), strict=True):
        text += "\n" + section
        if history is not None:
            with atomic_path(out / f"search_{search.study_name}.png") as tmp:
                history.savefig(tmp, dpi=100, format="png")
    with atomic_path(out / "study.md") as tmp:
        tmp.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
