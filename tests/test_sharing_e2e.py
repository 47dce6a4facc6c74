"""End-to-end: nothing trains twice. The run-cache, a DVC remote, and experiments shared
between two clones, with the real dvc CLI, a bare git repo as origin and a directory remote."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import DvcProject

pytestmark = pytest.mark.slow

OUTPUTS = ("models/cnn.keras", "models/svm.skops", "results/cnn.json", "plots/curves.png")
TRACKED = ("metrics/cnn.json", "metrics/svm.json", "metrics/cnn_train.json", "dvc.lock")


def dvc_status(project: DvcProject, *args: str) -> dict:
    return json.loads(project.dvc("status", "--json", *args).stdout)


def git_changes(project: DvcProject) -> str:
    return project.run("git", "status", "--porcelain").stdout


def test_run_cache_remote_and_experiments_shared_between_clones(baseline_project, tmp_path):
    storage, origin = tmp_path / "storage", tmp_path / "origin.git"
    a = baseline_project("a")  # the shared small run, committed
    # the committed default remote, pointed at this test's own directory
    a.dvc("remote", "modify", "local", "url", str(storage))
    a.commit("this test's remote")
    baseline = a.fingerprint(OUTPUTS + TRACKED)

    # an experiment, then back to the committed params: restored from the run-cache
    a.dvc("exp", "run", "-n", "one-conv", "-S", "cnn.conv_layers=1")
    one_conv = a.fingerprint(("models/cnn.keras", "metrics/cnn.json"))
    one_conv_metrics = json.loads((a.path / "metrics" / "cnn.json").read_text())
    one_conv_md5 = one_conv["models/cnn.keras"]  # DVC names a file's cache object by its MD5
    assert one_conv["models/cnn.keras"] != baseline["models/cnn.keras"]
    start = time.perf_counter()
    a.dvc("exp", "run", "-n", "back", "-S", "cnn.conv_layers=2")
    print(f"back to the baseline params: {time.perf_counter() - start:.1f} s")
    # bit-identical outputs, training seconds included: nothing was trained or evaluated again
    assert a.fingerprint(OUTPUTS + TRACKED) == baseline
    assert git_changes(a) == "" and dvc_status(a) == {}

    # share: git to the bare origin, data + models + run-cache + experiments to the remote
    a.push_to_new_origin(origin)
    # the model registry: versions are git tags (GTO's `name@vX.Y.Z`), pushed like commits
    for name in ("cnn", "svm", "cnn-onnx"):
        a.run("gto", "register", name)
    a.run("git", "push", "-q", "origin", "--tags")
    # treeverse/dvc#9342: `dvc exp push` can push the git ref, then fail to push the cache ...
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the remote's directory should be")
    a.dvc("remote", "add", "--local", "broken", str(blocker / "remote"))
    failed = a.dvc("exp", "push", "-r", "broken", "origin", "one-conv", check=False)
    assert failed.returncode != 0 and "failed to push" in failed.stderr.lower()
    assert "refs/exps/" in a.run("git", "ls-remote", str(origin)).stdout
    model_object = storage / "files" / "md5" / one_conv_md5[:2] / one_conv_md5[2:]
    assert not model_object.exists()
    # ... and the same command again, once the remote works, pushes it (the ref is up to date)
    a.dvc("exp", "push", "origin", "one-conv")
    assert model_object.is_file()
    a.dvc("push", "--run-cache")
    assert a.cloud_status() == {}

    # a remote that is not configured: one clear error naming it, workspace untouched
    bad = a.dvc("push", "-r", "nosuch", check=False)
    assert bad.returncode != 0 and "nosuch" in bad.stderr
    assert git_changes(a) == "" and a.fingerprint(OUTPUTS + TRACKED) == baseline

    # a push interrupted halfway: DVC uploads a directory's .dir manifest only after all of its
    # files (dvc_data's transfer), so an interruption leaves some files and no manifest behind
    objects = sorted(p for p in (storage / "files").rglob("*") if p.is_file())
    for path in objects:
        if path.suffix == ".dir" or objects.index(path) % 2:
            path.unlink()
    assert a.cloud_status() != {}
    a.dvc("exp", "push", "origin", "one-conv")  # the same pushes again complete the remote
    a.dvc("push", "--run-cache")
    assert a.cloud_status() == {}

    # clone B: pull, and everything is current without running a stage
    b = DvcProject(tmp_path / "b")
    a.run("git", "clone", "-q", str(origin), str(b.path))
    start = time.perf_counter()
    b.dvc("pull", "--run-cache")
    print(f"clone B: pull {time.perf_counter() - start:.1f} s")
    assert dvc_status(b) == {}
    assert b.fingerprint(OUTPUTS + TRACKED) == baseline
    repro = b.dvc("repro").stdout
    assert "Running stage" not in repro and b.fingerprint(OUTPUTS + TRACKED) == baseline

    # the registry: a fresh clone fetches each model's latest version from the default remote
    c = DvcProject(tmp_path / "c")
    a.run("git", "clone", "-q", str(origin), str(c.path))
    artifacts = (
        ("cnn", "models/cnn.keras"),
        ("svm", "models/svm.skops"),
        ("cnn-onnx", "models/export/cnn.onnx"),
    )
    for name, path in artifacts:
        c.dvc("artifacts", "get", ".", name, "-o", f"fetched/{Path(path).name}")
        fetched = (c.path / "fetched" / Path(path).name).read_bytes()
        assert hashlib.md5(fetched).hexdigest() == a.fingerprint((path,))[path]
    assert not (c.path / "models" / "cnn.keras").exists()  # fetched, nothing checked out
    # ...and loads in a fresh process with plain Keras after `import fmnist`, and the SVM with
    # skops' trusted types: both predict what A's evaluate stage predicted
    load = (
        "import sys, fmnist, keras, numpy as np\n"
        "from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES\n"
        "from fmnist.data.split_files import load_split\n"
        "from fmnist.pictures.pixels import to_cnn_input, to_flat\n"
        "from fmnist.models.store import load_svm_model\n"
        "images, _ = load_split(sys.argv[1], 'test')\n"
        "cnn = keras.models.load_model('fetched/cnn.keras')\n"
        "svm = load_svm_model('fetched/svm.skops')\n"
        "names = np.array(FASHION_MNIST_CLASSES)\n"
        "print(names[cnn.predict(to_cnn_input(images), verbose=0).argmax(1)[:500]].tolist())\n"
        "print(names[svm.predict(to_flat(images[:500]))].tolist())\n"
    )
    printed = c.run(sys.executable, "-c", load, str(a.path / "data" / "split")).stdout.splitlines()
    for model, line in zip(("cnn", "svm"), printed[-2:], strict=True):
        evaluated = pd.read_csv(a.path / "results" / "predictions" / f"{model}.csv")
        expected = evaluated.sort_values("index")["predicted"][:500].tolist()
        assert ast.literal_eval(line) == expected

    # B sees A's experiment with its metrics, and gets its model without training
    b.dvc("exp", "pull", "origin", "one-conv")
    rows = b.experiments()
    assert rows["one-conv"]["params"]["params.yaml"]["data"]["cnn"]["conv_layers"] == 1
    shown = rows["one-conv"]["metrics"]["metrics/cnn.json"]["data"]
    assert shown == {k: v for k, v in one_conv_metrics.items() if not isinstance(v, list)}
    assert shown["accuracy"] != json.loads((b.path / "metrics" / "cnn.json").read_text())["accuracy"]
    b.dvc("exp", "apply", "one-conv")
    b.dvc("pull")
    assert b.fingerprint(("models/cnn.keras", "metrics/cnn.json")) == one_conv
    assert dvc_status(b) == {}

    # and overlays it with the baseline
    b.dvc("plots", "diff", "main", "one-conv", "-o", "diff_plots")
    html = (b.path / "diff_plots" / "index.html").read_text()
    assert "one-conv" in html and "main" in html
