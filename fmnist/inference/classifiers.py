"""The trained models as scorers of 28x28 images, read from the workspace or from any revision.

A scorer maps uint8 images (n, 28, 28) to scores (n, classes), one column per class in the
dataset's order; its ``classes`` are the names of those columns, as the model's record beside
it (models/<name>.json) gives them. The CNN's scores are its softmax probabilities. The SVM is
an SVC without probability estimates (fitting them costs a 5-fold cross-validation), so its
score is scikit-learn's one-vs-rest decision value: the number of one-vs-one duels the class won
(0 to classes - 1) plus a confidence term in (-1/3, 1/3); it ranks classes and compares across
images, but it is not a probability.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.errors import DataError
from fmnist.files import require_file
from fmnist.models.cnn_file import load_cnn_model
from fmnist.models.kinds import MODELS
from fmnist.models.store import load_svm_model
from fmnist.pictures.pixels import to_cnn_input, to_flat
from fmnist.pictures.prepare import PrepareSpec

# what older revisions hold instead of a model file (said when --rev names one of them)
FORMERLY = {
    "models/svm.skops": "revisions before the SVM was saved with skops hold models/svm.joblib, "
    "a pickle, which fmnist does not load (it can run code); use --model cnn there",
}


@dataclasses.dataclass(frozen=True)
class Scorer:
    name: str  # cnn | svm
    kind: str  # what the scores are (ModelKind.score_kind)
    score: Callable[[np.ndarray], np.ndarray]
    classes: tuple[str, ...]  # the name of each score column (from the model's record)
    prepared: PrepareSpec = PrepareSpec()  # how its training pictures were made 28x28 (ditto)


@contextlib.contextmanager
def model_file(path: str, rev: str | None) -> Iterator[Path]:
    """``path`` in the workspace, or a temporary copy of it at git revision or experiment ``rev``,
    read through DVC (its cache, else the default remote)."""
    if rev is None:
        yield Path(path)
        return
    from fmnist.dvc_adapter import DvcError, open_at_rev

    with tempfile.TemporaryDirectory(prefix="fmnist-model-") as tmp:
        local = Path(tmp) / Path(path).name
        try:
            with open_at_rev(path, rev, mode="rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        except DvcError as exc:
            message = exc.reason
            if path in FORMERLY and "does not exist" in message:
                message = f"not in that revision; {FORMERLY[path]}"
            raise DataError(f"{path} at revision {rev!r}: {message}") from None
        yield local


def record_classes(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The class names a model's record gives; Fashion-MNIST's for records made before the
    names were recorded (every model was a Fashion-MNIST one then)."""
    return tuple(record.get("classes", FASHION_MNIST_CLASSES))


def preparation(scorers: Sequence[Scorer]) -> PrepareSpec:
    """How the models' training pictures were prepared (their records say; the Fashion-MNIST way
    for records made before that was recorded): a picture to classify is prepared the same."""
    specs = {scorer.prepared for scorer in scorers}
    if len(specs) > 1:
        said = ", ".join(f"{s.name} {s.prepared.how} (invert {s.prepared.invert})" for s in scorers)
        raise DataError(
            f"the models' pictures were prepared differently ({said}): classify with one "
            "--model at a time"
        )
    return specs.pop()


def cnn_scorer(path: Path, batch_size: int = 1024) -> Scorer:
    model = load_cnn_model(path)

    def score(images: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(to_cnn_input(images), batch_size=batch_size, verbose=0))

    return Scorer("cnn", MODELS["cnn"].score_kind, score, ())


def svm_scorer(path: Path) -> Scorer:
    pipeline = load_svm_model(path)

    def score(images: np.ndarray) -> np.ndarray:
        return np.asarray(pipeline.decision_function(to_flat(images)))

    return Scorer("svm", MODELS["svm"].score_kind, score, ())


def load_scorers(models: list[str], rev: str | None) -> list[Scorer]:
    """The named models (``cnn``, ``svm``) of the workspace or of ``rev``, each with its column
    names and its pictures' preparation from its record."""
    loaders = {"cnn": cnn_scorer, "svm": svm_scorer}
    scorers = []
    for name in models:
        with model_file(MODELS[name].model_file, rev) as path:
            scorer = loaders[name](path)  # the model first: a bad model file is the error to say
        with model_file(MODELS[name].record_file, rev) as meta:
            record = json.loads(require_file(meta, MODELS[name].stage).read_text())
        prepared = PrepareSpec.from_record(record.get("prepared", {}))
        scorers.append(dataclasses.replace(scorer, classes=record_classes(record), prepared=prepared))
    return scorers
