"""The model files people receive: the SVM without pickle, the CNN loadable by plain Keras."""

import dataclasses
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import skops.io
from sklearn.preprocessing import FunctionTransformer

from fmnist.errors import DataError
from fmnist.models.store import load_svm_model, save_svm_model, trusted_types
from fmnist.models.svm import build_svm
from tests.helpers import ROOT, balanced_labels, project_params, synthetic_images


@pytest.fixture(scope="module")
def svm():
    """The project's SVM pipeline (HOG + pixels -> PCA -> SVC) fitted on synthetic images."""
    labels = balanced_labels(40)
    images = synthetic_images(labels).reshape(len(labels), -1) / 255.0
    params = dataclasses.replace(project_params().svm, pca_components=10)
    return build_svm(params).fit(images, labels), images


def test_the_svm_file_is_skops_reproducible_and_predicts_the_same(svm, tmp_path):
    pipeline, images = svm
    first, second = tmp_path / "a.skops", tmp_path / "b.skops"
    save_svm_model(pipeline, first)
    save_svm_model(pipeline, second)
    assert first.read_bytes() == second.read_bytes()  # no addresses, no dates in the file
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert "schema.json" in names and not [n for n in names if n.endswith((".pkl", ".pickle"))]
    loaded = load_svm_model(first)
    # the same numbers; skops stores PCA's components (Fortran-ordered after the fit) in C
    # order, and the other memory order sums the products in another order: ~2e-8 apart
    np.testing.assert_allclose(
        loaded.decision_function(images), pipeline.decision_function(images), atol=1e-6
    )
    np.testing.assert_array_equal(loaded.predict(images), pipeline.predict(images))
    # what skops itself would not trust: the project's feature function, nothing else
    assert skops.io.get_untrusted_types(file=first) == ["fmnist.models.features.pixels_and_hog"]
    assert set(trusted_types()) == {
        "fmnist.models.features.hog_features",
        "fmnist.models.features.pixels_and_hog",
    }


class Exploit:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_put_in_place_of_the_svm_is_refused_and_never_run(tmp_path, capsys, monkeypatch):
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(Exploit(marker)))  # the exploit works when unpickled...
    assert marker.exists()
    marker.unlink()
    models = tmp_path / "models"
    models.mkdir()
    (models / "svm.skops").write_bytes(pickle.dumps(Exploit(marker), protocol=4))
    with pytest.raises(DataError) as caught:
        load_svm_model(models / "svm.skops")
    assert str(caught.value) == (
        f"{models / 'svm.skops'}: a pickle, which fmnist never loads (it can run code); run "
        f"`dvc pull {models / 'svm.skops'}` or `dvc repro train_svm` to restore it"
    )
    assert not marker.exists()  # ...but loading it as the SVM never does

    # and through fmnist predict: one line, exit 2, the exploit not run
    from PIL import Image

    from fmnist.console import main

    Image.new("L", (28, 28)).save(tmp_path / "x.png")
    monkeypatch.chdir(tmp_path)
    assert main(["predict", "--model", "svm", "x.png"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: models/svm.skops: a pickle, which fmnist never loads")
    assert not marker.exists()


def test_a_skops_file_naming_code_it_does_not_trust_is_refused(svm, tmp_path):
    pipeline, _ = svm
    evil = tmp_path / "svm.skops"
    # a pipeline whose feature step would call os.system on the images
    pipeline = type(pipeline)([("features", FunctionTransformer(os.system)), *pipeline.steps[1:]])
    skops.io.dump(pipeline, evil)
    with pytest.raises(DataError, match=r"svm.skops: refused, it holds types fmnist does not "
                       r"trust: (posix|nt)\.system$"):  # fmt: skip
        load_svm_model(evil)


LOAD = """
import sys
import numpy as np
if sys.argv[2] == "fmnist-first":
    import fmnist
    import keras
else:
    from tensorflow import keras
    import fmnist
model = keras.models.load_model(sys.argv[1])
print(type(model.get_layer("with_mirrors")).__module__, model.predict(np.zeros((1, 28, 28, 1)), verbose=0).shape)
"""


@pytest.mark.parametrize("order", ["fmnist-first", "keras-first"])
def test_plain_keras_loads_the_cnn_after_import_fmnist(tmp_path, order):
    """A fresh process with no custom_objects: `import fmnist` is all it takes, in either order."""
    from fmnist.models.cnn import build_cnn, with_flip_average

    path = tmp_path / "cnn.keras"
    with_flip_average(build_cnn(project_params().cnn, 10)).save(path)
    run = subprocess.run(
        [sys.executable, "-c", LOAD, str(path), order], capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["fmnist.models.layers", "(1,", "10)"]


def test_without_import_fmnist_keras_cannot_find_the_layers(tmp_path):
    """The registration is what makes it work: plain Keras alone fails on the same file."""
    from fmnist.models.cnn import build_cnn, with_flip_average

    path = tmp_path / "cnn.keras"
    with_flip_average(build_cnn(project_params().cnn, 10)).save(path)
    code = f"import keras; keras.models.load_model({str(path)!r})"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1 and "Could not locate class 'WithMirrors'" in run.stderr
