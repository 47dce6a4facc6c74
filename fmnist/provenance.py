"""What made a model: its params sections, its run summary, the library versions and the
environment (the lock it was installed from, every package's version)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fmnist.environment import environment_record
from fmnist.files import write_json

RECORDED_LIBRARIES = ("numpy", "scikit-learn", "tensorflow", "keras", "dvc", "dvclive")


def write_model_meta(
    path: str | Path,
    model_path: str | Path,
    classes: Sequence[str],
    prepared: Mapping[str, str],
    sections: Mapping[str, Any],
    summary: dict[str, Any],
) -> None:
    """Record beside a model what made it and what its inputs and outputs mean: the class names
    of its output columns (label order), how its training pictures were made 28x28
    (``prepared``: data.prepare and data.invert, which ``fmnist predict`` applies), its params
    sections, run summary, library versions, and the environment
    (:func:`fmnist.environment.environment_record`)."""
    environment = environment_record()
    write_json(
        path,
        {
            "model": Path(model_path).name,
            "classes": list(classes),
            "prepared": dict(prepared),
            "params": {name: dataclasses.asdict(section) for name, section in sections.items()},
            "summary": summary,
            "versions": library_versions(environment),
            "environment": environment,
        },
    )


def library_versions(environment: Mapping[str, Any]) -> dict[str, str]:
    """Versions of Python and the libraries that shape a model's numbers, picked from an
    :func:`~fmnist.environment.environment_record` (names as it normalizes them)."""
    packages = environment["packages"]
    return {
        "python": environment["python"],
        **{name: packages.get(name, "not installed") for name in RECORDED_LIBRARIES},
    }
