"""What a saved training state must match to be resumed (see :mod:`fmnist.models.resume`)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

from fmnist.code_deps import ROOT, stage_code_files
from fmnist.models.hardware import Hardware, onednn_state
from fmnist.models.resume import run_fingerprint
from fmnist.params import CnnParams

TRAIN_STAGE = "stages.train_cnn"  # the script of the stage that trains and resumes


def training_fingerprint(
    params: CnnParams,
    seed: int,
    hardware: Hardware,
    data_files: Sequence[str | Path],
    stage: str = TRAIN_STAGE,
) -> str:
    """What a saved training state must match to be resumed: params, kernels, code, data.

    The code is the stage's code deps, as ``dvc.yaml`` lists them: the same list
    (:func:`fmnist.code_deps.stage_code_files`), so the two cannot drift apart.

    The precision that runs follows from ``cnn.precision`` and whether ``hardware`` computes
    bf16 natively, so those two stand for it (resolving it here would warn a second time);
    oneDNN's kernels round differently from TensorFlow's own, so their state counts too.
    """
    settings = {
        "seed": seed,
        "cnn": dataclasses.asdict(params),
        "native_bf16": hardware.native_bf16,
        "onednn": onednn_state(hardware),
    }
    # by their names in the project, so that the same code in another clone matches
    settings["code"] = {
        path: hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
        for path in stage_code_files(stage)
    }
    return run_fingerprint(settings, data_files)
