"""Each stage's code deps in dvc.yaml are exactly the project modules it imports (invariant 8)."""

import copy
import json
import subprocess
import sys

import pytest
import yaml

from fmnist.code_deps import (
    INFRASTRUCTURE,
    ROOT,
    code_deps_problems,
    imported_modules,
    module_file,
    stage_code_files,
    stage_scripts,
)
from fmnist.models.hardware import Hardware
from fmnist.models.training import training_fingerprint
from tests.helpers import project_params

DVC_YAML = yaml.safe_load((ROOT / "dvc.yaml").read_text())
STAGES = stage_scripts(DVC_YAML)

# a fresh interpreter imports the stage's script, then what its functions import (every module
# of the static closure, which runs their own top-level imports: Keras, and with it the hook's)
LOADED = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
after_script = sorted(m for m in sys.modules if m.split('.')[0] in ('fmnist', 'stages'))
for name in json.loads(sys.argv[2]):
    importlib.import_module(name)
after_all = sorted(m for m in sys.modules if m.split('.')[0] in ('fmnist', 'stages'))
print(json.dumps([after_script, after_all]))
"""


def test_every_stage_lists_exactly_the_code_it_imports():
    assert set(STAGES) == set(DVC_YAML["stages"])  # every stage runs a project module
    assert code_deps_problems(DVC_YAML) == []


def test_a_dropped_or_extra_dep_is_found():
    broken = copy.deepcopy(DVC_YAML)
    broken["stages"]["train_cnn"]["deps"].remove("fmnist/models/layers.py")
    broken["stages"]["train_svm"]["deps"].append("fmnist/models/cnn.py")
    assert code_deps_problems(broken) == [
        "train_cnn: dvc.yaml lacks fmnist/models/layers.py, which it imports",
        "train_svm: dvc.yaml lists fmnist/models/cnn.py, which it does not import",
    ]


def test_keras_loads_the_registered_layers_and_the_svm_stage_never_loads_keras():
    assert "fmnist/models/layers.py" in stage_code_files("stages.train_cnn")
    assert "fmnist/models/layers.py" in stage_code_files("stages.evaluate")
    svm = stage_code_files("stages.train_svm")
    assert not any(path.startswith(("fmnist/models/cnn", "fmnist/models/train")) for path in svm)
    assert "fmnist/models/layers.py" not in svm  # a CNN-only change never re-trains the SVM


def test_infrastructure_modules_exist_and_each_says_why():
    for name, reason in INFRASTRUCTURE.items():
        assert module_file(name) is not None, name
        assert len(reason) > 15, name


@pytest.fixture(scope="module")
def loaded():
    """What a fresh interpreter loads for each stage (all at once: a few seconds each)."""
    runs = {
        name: subprocess.Popen(
            [sys.executable, "-c", LOADED, module, json.dumps(sorted(imported_modules(module)))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, module in STAGES.items()
    }
    return {name: json.loads(run.communicate(timeout=300)[0]) for name, run in runs.items()}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_fresh_interpreter_loads_nothing_the_deps_leave_out(stage, loaded):
    after_script, after_all = loaded[stage]
    module = STAGES[stage]
    static = imported_modules(module)
    # the source's imports account for every project module the interpreter loaded
    assert set(after_all) <= static, set(after_all) - static
    listed = {dep for dep in DVC_YAML["stages"][stage]["deps"] if dep.endswith(".py")}
    for name in after_script:
        path = module_file(name).relative_to(ROOT).as_posix()
        assert name in INFRASTRUCTURE or path in listed or path.endswith("__init__.py"), path
    if stage in ("train_cnn", "evaluate", "export"):
        assert "fmnist.models.layers" in after_all  # loaded, through Keras' hook or directly


def test_the_resume_fingerprint_follows_every_code_dep_of_train_cnn(tmp_path, monkeypatch):
    params = project_params().cnn
    hardware = Hardware("test cpu", frozenset())
    data = tmp_path / "train.npz"
    data.write_bytes(b"data")
    code = stage_code_files("stages.train_cnn")
    assert "fmnist/models/layers.py" in code
    before = training_fingerprint(params, 42, hardware, [data])
    # a stand-in tree where only layers.py differs: the fingerprint must move
    fake_root = tmp_path / "root"
    for path in code:
        (fake_root / path).parent.mkdir(parents=True, exist_ok=True)
        (fake_root / path).write_bytes((ROOT / path).read_bytes())
    import fmnist.models.training.fingerprint as fingerprint_module

    monkeypatch.setattr(fingerprint_module, "ROOT", fake_root)
    monkeypatch.setattr(fingerprint_module, "stage_code_files", lambda stage: code)
    same = training_fingerprint(params, 42, hardware, [data])
    (fake_root / "fmnist/models/layers.py").write_text("# other layer code\n")
    changed = training_fingerprint(params, 42, hardware, [data])
    assert same == before != changed
