"""The trained CNN for serving tools: a TensorFlow SavedModel and an ONNX file, both checked.

Both come from Keras' own ``model.export``. The SavedModel keeps the model's precision
(bf16 where it was trained so), so it must give the Keras model's predictions. onnxruntime
has no bfloat16 convolution on CPUs, so the ONNX file is exported from a float32 copy of the
same weights; it must match that copy, and its agreement with the saved model is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from fmnist.errors import DataError
from fmnist.pictures.pixels import to_cnn_input

SAVED_MODEL = "saved_model"
ONNX_FILE = "cnn.onnx"
# parity: the same top-1 everywhere, and softmax probabilities at most this far apart
SAME_PRECISION_TOLERANCE = 1e-5
CHECK_BATCH = 1000
ONNX_TOLERANCE = 1e-4  # float32 in onnxruntime vs float32 in TensorFlow: other kernels, other sums


def _float32_policies(config: Any) -> Any:
    """A serialized Keras object with every dtype policy set to float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {key: _float32_policies(value) for key, value in config.items()}
    if isinstance(config, list):
        return [_float32_policies(value) for value in config]
    return config


def float32_copy(model: keras.Model) -> keras.Model:
    """The same layers and weights computing in float32 (a mixed-precision model's variables are
    float32 already, so the weights are copied exactly)."""
    config = _float32_policies(keras.saving.serialize_keras_object(model))
    copy = keras.saving.deserialize_keras_object(config)
    copy.set_weights(model.get_weights())
    return copy


def policies(model: keras.Model) -> set[str]:
    """The dtype policies of every layer, nested models' layers included."""
    found = set()
    for layer in model.layers:
        found.add(layer.dtype_policy.name)
        if isinstance(layer, keras.Model):
            found |= policies(layer)
    return found


def parity(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """How far two models' probabilities on the same images are apart."""
    return {
        "top1_agreement": float(np.mean(reference.argmax(axis=1) == other.argmax(axis=1))),
        "max_abs_difference": float(np.max(np.abs(reference - other))),
    }


def check_parity(name: str, result: dict[str, float], tolerance: float) -> None:
    if result["top1_agreement"] < 1.0 or result["max_abs_difference"] > tolerance:
        raise DataError(
            f"{name} does not reproduce the Keras model: top-1 agreement "
            f"{result['top1_agreement']:.6f}, max |probability difference| "
            f"{result['max_abs_difference']:.2e} (allowed: 1.0 and {tolerance:g})"
        )


def in_batches(predict: Callable[[np.ndarray], Any], x: np.ndarray) -> np.ndarray:
    """``predict`` over ``x`` in batches of :data:`CHECK_BATCH` (onnxruntime took 3.6 s for
    10,000 images in one batch, 0.8 s in batches of 1,000)."""
    return np.concatenate(
        [np.asarray(predict(x[i : i + CHECK_BATCH])) for i in range(0, len(x), CHECK_BATCH)]
    )


def saved_model_probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # keep it referenced: its variables live in it
    return in_batches(lambda batch: loaded.serve(tf.constant(batch)), x)


def onnx_probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return in_batches(lambda batch: session.run(None, {name: batch})[0], x)


def export_cnn(
    model: keras.Model, out: Path, check_images: np.ndarray, check_labels: np.ndarray
) -> dict[str, Any]:
    """Write ``out``/saved_model and ``out``/cnn.onnx, check both on ``check_images`` (uint8
    (n, 28, 28)), and return what was written with the parity numbers and each one's accuracy
    on ``check_labels``."""
    x = to_cnn_input(check_images)
    expected = np.asarray(model.predict(x, batch_size=CHECK_BATCH, verbose=0))
    model.export(str(out / SAVED_MODEL), format="tf_saved_model", verbose=False)
    saved = parity(expected, saved_model_probabilities(out / SAVED_MODEL, x))
    check_parity("the SavedModel", saved, SAME_PRECISION_TOLERANCE)

    copy = float32_copy(model)
    expected32 = np.asarray(copy.predict(x, batch_size=CHECK_BATCH, verbose=0))
    copy.export(str(out / ONNX_FILE), format="onnx", verbose=False)
    onnx_result = onnx_probabilities(out / ONNX_FILE, x)
    onnx = parity(expected32, onnx_result)
    check_parity("the ONNX model", onnx, ONNX_TOLERANCE)
    return {
        "check_images": len(check_images),
        "input": {"shape": [None, *x.shape[1:]], "dtype": "float32", "scale": "pixels / 255"},
        "saved_model": {
            "path": SAVED_MODEL,
            "precision": "+".join(sorted(policies(model))),
            "endpoint": "serve",
            "vs_keras": saved,
            "accuracy": float(np.mean(expected.argmax(axis=1) == check_labels)),
            "tolerance": SAME_PRECISION_TOLERANCE,
        },
        "onnx": {
            "path": ONNX_FILE,
            "precision": "float32",
            "vs_keras_float32": onnx,
            "tolerance": ONNX_TOLERANCE,
            "vs_keras_saved": parity(expected, onnx_result),
            "accuracy": float(np.mean(onnx_result.argmax(axis=1) == check_labels)),
        },
    }
