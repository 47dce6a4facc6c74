import logging
import os
import signal

import keras
import numpy as np
import pytest

from fmnist.errors import Interrupted
from fmnist.models.resume import STOP_AFTER_EPOCH, TrainingState, run_fingerprint
from fmnist.models.training import train_cnn
from fmnist.stage_runner import INTERRUPTED_EXIT, run_stage
from tests.helpers import balanced_labels, project_params, synthetic_images


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, dict(logs)))


def tiny():
    train_labels, val_labels = balanced_labels(12, 1), balanced_labels(3, 2)
    train = (synthetic_images(train_labels, 1), train_labels)
    val = (synthetic_images(val_labels, 2), val_labels)
    return project_params(cnn={"epochs": 4, "batch_size": 16, "precision": "float32"}).cnn, train, val


def test_interrupted_run_resumes_after_the_last_saved_epoch(tmp_path, monkeypatch):
    params, train, val = tiny()
    state = TrainingState(tmp_path / "state", "fp")
    assert state.open() == 0
    monkeypatch.setenv(STOP_AFTER_EPOCH, "2")
    first = Recorder()
    with pytest.raises(Interrupted, match="stopped after epoch 2"):
        train_cnn(params, 3, train, val, 10, [first], state=state, verbose=0)
    assert state.epochs_done() == 2 and [e for e, _ in first.epochs] == [0, 1]

    monkeypatch.delenv(STOP_AFTER_EPOCH)
    resumed_state = TrainingState(tmp_path / "state", "fp")
    assert resumed_state.open() == 2
    resumed = Recorder()
    _, summary = train_cnn(params, 3, train, val, 10, [resumed], state=resumed_state, verbose=0)
    # the saved epochs are replayed first, then training continues: 0..3, once each
    assert [e for e, _ in resumed.epochs] == [0, 1, 2, 3]
    assert resumed.epochs[:2] == first.epochs
    assert summary["epochs_run"] == 4 and summary["train_seconds"] > 0

    uninterrupted = Recorder()
    _, straight = train_cnn(params, 3, train, val, 10, [uninterrupted], verbose=0)
    assert uninterrupted.epochs[:2] == first.epochs  # identical up to the interruption
    assert straight["epochs_run"] == 4
    # afterwards the data order and augmentation draw again from their seeds, so the last
    # epochs may differ; on this separable data both end fully trained
    assert abs(straight["best_val_accuracy"] - summary["best_val_accuracy"]) <= 0.1


def test_state_for_other_params_code_or_data_is_dropped(tmp_path, monkeypatch, caplog):
    params, train, val = tiny()
    state = TrainingState(tmp_path / "state", "fp-old")
    state.open()
    monkeypatch.setenv(STOP_AFTER_EPOCH, "1")
    with pytest.raises(Interrupted):
        train_cnn(params, 3, train, val, 10, state=state, verbose=0)
    assert state.epochs_done() == 1
    with caplog.at_level(logging.INFO):
        assert TrainingState(tmp_path / "state", "fp-new").open() == 0
    assert "fresh start" in caplog.text
    assert not (tmp_path / "state" / "backup").exists()


def test_fingerprint_follows_settings_and_file_bytes(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("x = 1\n")
    first = run_fingerprint({"cnn": {"dropout": 0.2}}, [code])
    assert first == run_fingerprint({"cnn": {"dropout": 0.2}}, [code])
    assert first != run_fingerprint({"cnn": {"dropout": 0.3}}, [code])
    code.write_text("x = 2\n")
    assert first != run_fingerprint({"cnn": {"dropout": 0.2}}, [code])


def test_sigterm_becomes_one_error_line_and_exit_130(capsys):
    def main(argv):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal should have stopped main")

    before = signal.getsignal(signal.SIGTERM)
    assert run_stage(main, []) == INTERRUPTED_EXIT
    assert capsys.readouterr().err.strip().splitlines() == ["error: interrupted by SIGTERM"]
    assert signal.getsignal(signal.SIGTERM) == before  # handlers restored


def test_saved_best_weights_round_trip(tmp_path):
    state = TrainingState(tmp_path / "s", "fp")
    state.open()
    weights = [np.arange(6.0).reshape(2, 3), np.ones(3, np.float32)]
    state.save({"logs": [], "seconds": []}, weights)
    for saved, original in zip(state.best_weights(), weights, strict=True):
        np.testing.assert_array_equal(saved, original)
