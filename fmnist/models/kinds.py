"""The two models compared, defined once: each one's key, name, colour, files and stage."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ModelKind:
    key: str  # its params section, the prefix of its seed key (cnn.seed) and of its files
    title: str  # as tables and figures name it
    colour: str  # its colour in every figure of the project
    model_file: str  # the trained model (dvc.yaml: paths.<key>_model)
    score_kind: str  # what its scores are (fmnist predict's score_kind column)

    @property
    def stage(self) -> str:
        """The stage that trains it (and restores its files)."""
        return f"train_{self.key}"

    @property
    def record_file(self) -> str:
        """Its record beside the model: classes, how pictures were prepared, params."""
        return f"models/{self.key}.json"

    @property
    def metrics_file(self) -> str:
        """Its test metrics (accuracy, macro-F1, seconds, throughput)."""
        return f"metrics/{self.key}.json"

    @property
    def train_file(self) -> str:
        """Its training record: where it ran (device, precision)."""
        return f"metrics/{self.key}_train.json"

    @property
    def predictions_file(self) -> str:
        """Its prediction for every test image, for the paired tests."""
        return f"results/predictions/{self.key}.csv"


MODELS: dict[str, ModelKind] = {
    "cnn": ModelKind("cnn", "CNN", "#1f77b4", "models/cnn.keras", "probability"),
    "svm": ModelKind("svm", "SVM", "#ff7f0e", "models/svm.skops", "svm_ovr_votes"),
}
