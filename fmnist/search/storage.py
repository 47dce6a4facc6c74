"""Where an Optuna study lives and how it samples: the database (any SQLAlchemy URL; SQLite for
one worker, PostgreSQL for many), with heartbeats on so that a dead worker's trial is failed
after the grace period and retried once by whichever worker is free."""

from __future__ import annotations

import warnings
from pathlib import Path

import optuna

from fmnist.errors import PipelineError, first_line
from fmnist.params import SearchSpace
from fmnist.search.space import grid

DEFAULT_STORAGE = "sqlite:///.optuna/search.db"  # embedded: one machine, one worker


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def open_storage(url: str, heartbeat_s: int, grace_s: int) -> optuna.storages.RDBStorage:
    """The study database at ``url`` with heartbeats on and stale trials retried once."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():  # heartbeats are "experimental" to Optuna: not news
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=heartbeat_s,
                grace_period=grace_s,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=1
                ),
            )
    except (SQLAlchemyError, ArgumentError, ImportError, ValueError) as exc:
        reason = first_line(exc)
        raise PipelineError(f"cannot open the study database {safe_url(url)}: {reason}") from None


def sampler_for(space: SearchSpace, seed: int) -> optuna.samplers.BaseSampler:
    if space.sampler == "grid":
        return optuna.samplers.GridSampler(grid(space), seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_study(
    storage: optuna.storages.RDBStorage,
    name: str,
    join: bool,
    direction: str,
    sampler: optuna.samplers.BaseSampler,
) -> optuna.Study:
    """Join the existing study ``name`` (``join``), or create it / continue it."""
    if join:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        if name not in names:
            raise PipelineError(
                f"no study {name!r} to join in {safe_url(storage.url)}; studies there: "
                + (", ".join(names) or "none")
            )
    study = optuna.create_study(
        storage=storage, study_name=name, direction=direction, sampler=sampler, load_if_exists=True
    )
    if study.direction.name.lower() != direction:
        raise PipelineError(f"study {name!r} is to {study.direction.name.lower()}, not {direction}")
    if "sampler" not in study.user_attrs:  # for the report: Optuna does not store the sampler
        study.set_user_attr("sampler", type(sampler).__name__)
    return study
