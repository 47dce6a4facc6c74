"""Resuming an interrupted training run from the last finished epoch.

The state lives in its own directory, outside DVC's declared outputs: DVC deletes a stage's
outputs before running it, and a ``persist: true`` output would switch off the run-cache. It
holds Keras' ``BackupAndRestore`` files (weights, optimizer, epoch), the per-epoch logs that
dvclive recorded, the best-validation weights so far, and a fingerprint of what the run
depends on (params, code, data). A state whose fingerprint differs is thrown away with a log
line; a successful run removes its state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from fmnist.errors import Interrupted
from fmnist.files import write_json

log = logging.getLogger(__name__)
# Test hook: stop (as if interrupted) right after this epoch number (1-based) is saved.
STOP_AFTER_EPOCH = "FMNIST_STOP_AFTER_EPOCH"


def run_fingerprint(settings: Mapping[str, Any], files: Iterable[str | Path]) -> str:
    """SHA-256 over the settings (as JSON) and the bytes of every file the run depends on."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in sorted(map(str, files)):
        digest.update(path.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


class TrainingState:
    """One run's state directory; ``open()`` keeps it only if its fingerprint matches."""

    def __init__(self, directory: str | Path, fingerprint: str) -> None:
        self.dir = Path(directory)
        self.fingerprint = fingerprint
        self.backup_dir = self.dir / "backup"
        self._progress = self.dir / "progress.json"
        self._best = self.dir / "best.weights.npz"
        self._fingerprint = self.dir / "fingerprint.json"

    def open(self) -> int:
        """Prepare the directory; return the number of epochs a resumed run has already done."""
        if self.dir.exists():
            saved = self._fingerprint.read_text() if self._fingerprint.exists() else ""
            if saved.strip() != json.dumps(self.fingerprint):
                log.info(
                    "%s: the saved state is for other params, code or data: fresh start", self.dir
                )
                shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._fingerprint.write_text(json.dumps(self.fingerprint))
        done = self.epochs_done()
        if done:
            log.info("%s: resuming after epoch %d", self.dir, done)
        return done

    def epochs_done(self) -> int:
        """Epochs whose weights Keras' BackupAndRestore saved (its own metadata file)."""
        metadata = self.backup_dir / "training_metadata.json"
        return int(json.loads(metadata.read_text())["epoch"]) if metadata.exists() else 0

    def load(self) -> dict[str, Any]:
        """Saved progress, cut to the epochs the backup holds (it is written after this)."""
        if not self._progress.exists():
            return {"logs": [], "seconds": []}
        progress = json.loads(self._progress.read_text())
        done = self.epochs_done()
        progress["logs"], progress["seconds"] = progress["logs"][:done], progress["seconds"][:done]
        if progress.get("best_epoch", 0) > done:  # the best was an epoch that will be re-run
            progress.pop("best", None)
        return progress

    def save(self, progress: dict[str, Any], best_weights: list[np.ndarray] | None) -> None:
        if best_weights is not None:
            tmp = self._best.with_name(".best.tmp.npz")
            np.savez(tmp, *best_weights)
            os.replace(tmp, self._best)
        write_json(self._progress, progress)

    def best_weights(self) -> list[np.ndarray]:
        with np.load(self._best) as data:
            return [data[f"arr_{i}"] for i in range(len(data.files))]

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class KeepBest(keras.callbacks.EarlyStopping):
    """Keras' EarlyStopping keeping the best-validation weights, resumable through a state.

    With a state it saves, after every epoch, that epoch's logs and seconds and the best so far;
    on a resumed run it restores them and replays the saved epochs' logs into ``replay_into``
    (dvclive's callback), so the curves continue without a gap or a duplicate.
    """

    def __init__(
        self,
        state: TrainingState | None,
        replay_into: Sequence[keras.callbacks.Callback] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.state, self.replay_into = state, replay_into
        self.progress: dict[str, Any] = {"logs": [], "seconds": []}

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.state is None:
            return
        self.progress = self.state.load()
        if "best" in self.progress:
            self.best, self.best_epoch = self.progress["best"], self.progress["best_epoch"] - 1
            self.wait = self.progress["wait"]
            self.best_weights = self.state.best_weights()
        for epoch, epoch_logs in enumerate(self.progress["logs"]):
            for callback in self.replay_into:
                callback.on_epoch_end(epoch, epoch_logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        previous_best = self.best
        super().on_epoch_end(epoch, logs)
        seconds = time.perf_counter() - self._started
        self.progress["logs"].append({k: float(v) for k, v in (logs or {}).items()})
        self.progress["seconds"].append(round(seconds, 3))
        if self.state is None:
            return
        improved = self.best != previous_best
        if self.best is not None:
            self.progress.update(
                best=float(self.best), best_epoch=self.best_epoch + 1, wait=self.wait
            )
        self.state.save(self.progress, self.best_weights if improved else None)


class StopAfterEpoch(keras.callbacks.Callback):
    """The test hook: with ``FMNIST_STOP_AFTER_EPOCH=k``, stop as if interrupted after epoch k."""

    def __init__(self) -> None:
        super().__init__()
        value = os.environ.get(STOP_AFTER_EPOCH, "")
        self.stop_after = int(value) if value.isdigit() else None

    def on_epoch_end(self, epoch, logs=None):
        if self.stop_after == epoch + 1:
            raise Interrupted(f"stopped after epoch {epoch + 1} ({STOP_AFTER_EPOCH})")
