"""The lock: it matches pyproject.toml, the venv holds what it pins, and results record it."""

import copy
import hashlib
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from fmnist.environment import (
    environment_record,
    lock_digest,
    lock_drift,
    package_changes,
    read_toml,
)
from fmnist.evaluation.ci_report import LOCK_ROW, environment_changes
from tests.helpers import ROOT

UV = Path(sys.executable).parent / "uv"


@pytest.fixture(scope="module")
def project():
    return read_toml(ROOT / "pyproject.toml"), read_toml(ROOT / "uv.lock")


def test_the_committed_lock_matches_pyproject(project):
    assert lock_drift(*project) == []


def test_uv_agrees_that_the_lock_is_current():
    result = subprocess.run(
        [str(UV), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_venv_holds_every_package_at_its_locked_version():
    # --inexact: a developer's venv may also hold a remote's plugin (make venv EXTRAS=s3);
    # .ci/run checks a fresh clone's venv exactly
    result = subprocess.run(
        [str(UV), "sync", "--locked", "--check", "--inexact", "--extra", "dev", "--offline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"UV_PROJECT_ENVIRONMENT": sys.prefix, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_the_lock_covers_linux_and_macos_for_python_3_10_to_3_13(project):
    pyproject, lock = project
    tensorflow = next(p for p in lock["package"] if p["name"] == "tensorflow")
    urls = [wheel["url"] for wheel in tensorflow["wheels"]]
    for python in ("cp310", "cp311", "cp312", "cp313"):
        for platform in ("manylinux_2_27_x86_64", "manylinux_2_27_aarch64", "macosx_12_0_arm64"):
            assert any(url.endswith(f"-{python}-{python}-{platform}.whl") for url in urls)
    # every package of every platform is pinned with a hash
    assert all("hash" in wheel for p in lock["package"] for wheel in p.get("wheels", []))
    assert lock["requires-python"] == pyproject["project"]["requires-python"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda p: p["project"]["dependencies"].append("rich>=13"),
            "rich is in pyproject.toml but not in uv.lock",
        ),
        (
            lambda p: p["project"]["optional-dependencies"]["dev"].remove("ruff>=0.4"),
            "ruff (extra 'dev') is in uv.lock but no longer in pyproject.toml",
        ),
        (
            lambda p: p["project"]["dependencies"].__setitem__(
                p["project"]["dependencies"].index("optuna>=4.9"), "optuna >= 5.0"
            ),
            "optuna is 'optuna>=5.0' in pyproject.toml but 'optuna>=4.9' in uv.lock",
        ),
        (
            lambda p: p["project"]["optional-dependencies"].__setitem__("s3", ["dvc-s3[boto]"]),
            "dvc-s3 (extra 's3') is 'dvc-s3[boto]' in pyproject.toml but 'dvc-s3' in uv.lock",
        ),
    ],
)
def test_a_pyproject_change_without_make_lock_names_the_package(project, change, expected):
    pyproject = copy.deepcopy(project[0])
    change(pyproject)
    assert lock_drift(pyproject, project[1]) == [expected]


def test_lock_check_is_one_line_naming_the_package_and_the_fix(tmp_path):
    text = (ROOT / "pyproject.toml").read_text()
    assert '"tqdm>=4.60",' in text
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text.replace('"tqdm>=4.60",', '"tqdm>=4.60",\n    "rich>=13",'))
    args = ["--pyproject", str(pyproject), "--lock", str(ROOT / "uv.lock")]
    result = subprocess.run(
        [sys.executable, "-m", "commands.lock_check", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: uv.lock is out of date: rich is in pyproject.toml but not in uv.lock; run `make lock`"
    ]
    missing = subprocess.run(
        [sys.executable, "-m", "commands.lock_check", "--lock", str(tmp_path / "uv.lock")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"error: {tmp_path / 'uv.lock'} is missing; run `make lock`"
    ]


def test_a_result_records_the_lock_digest_and_every_package(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    record = environment_record()
    assert record["lock"] == "sha256:" + hashlib.sha256((ROOT / "uv.lock").read_bytes()).hexdigest()
    assert record["packages"]["tensorflow"] == metadata.version("tensorflow")
    assert record["packages"]["scikit-learn"] == metadata.version("scikit-learn")
    assert record["python"].count(".") == 2 and record["platform"]
    json.dumps(record)  # it goes into JSON files
    assert lock_digest(tmp_path / "uv.lock") is None


def test_package_changes_lists_what_differs_on_either_side():
    before = {"numpy": "2.4.6", "keras": "3.15.1", "six": "1.17.0"}
    after = {"numpy": "2.4.6", "keras": "3.16.0", "rich": "15.0.0"}
    assert package_changes(before, after) == [
        ("keras", "3.15.1", "3.16.0"),
        ("rich", None, "15.0.0"),
        ("six", "1.17.0", None),
    ]


def test_the_ci_report_shows_only_what_differs_between_the_environments():
    base = {"lock": "sha256:" + "a" * 64, "python": "3.11.7", "platform": "linux x86_64"}
    old = {"cnn": {**base, "packages": {"keras": "3.15.1", "numpy": "2.4.6"}}, "svm": None}
    new = {
        "cnn": {
            **base,
            "lock": "sha256:" + "b" * 64,
            "packages": {"keras": "3.16.0", "numpy": "2.4.6"},
        },
        "svm": {**base, "packages": {"numpy": "2.4.6"}},
    }
    table = environment_changes(old, new)
    assert table.astype(object).where(table.notna(), None).to_dict(orient="records") == [
        {"model": "cnn", "package": LOCK_ROW, "baseline": "aaaaaaaaaaaa", "now": "bbbbbbbbbbbb"},
        {"model": "cnn", "package": "keras", "baseline": "3.15.1", "now": "3.16.0"},
        # the baseline's SVM recorded nothing: its lock, Python and platform, not every package
        {"model": "svm", "package": LOCK_ROW, "baseline": None, "now": "aaaaaaaaaaaa"},
        {"model": "svm", "package": "python", "baseline": None, "now": "3.11.7"},
        {"model": "svm", "package": "platform", "baseline": None, "now": "linux x86_64"},
    ]
    assert environment_changes(new, new).empty


def test_env_check_words_every_kind_of_difference():
    from commands.env_check import differences

    uv_says = (
        "Would uninstall 2 packages\nWould install 2 packages\n - pyyaml==6.0.2\n + pyyaml==6.0.4\n"
        " - six==1.16.0\n + numpy==2.3.1\nerror: The environment is outdated\n"
    )
    assert differences(uv_says) == [
        "numpy missing (uv.lock pins 2.3.1)",
        "pyyaml 6.0.2 (uv.lock pins 6.0.4)",
        "six 1.16.0 (not in uv.lock)",
    ]
    assert differences("Would make no changes\n") == []


@pytest.mark.slow
def test_make_env_check_fails_on_a_drifted_venv_and_changes_nothing(tmp_path):
    """A venv made from the lock (uv links the files from its cache: seconds) passes; after
    `uv pip install pyyaml==6.0.2` into it, `make env-check` exits 2 naming pyyaml, and the
    drifted version is still there afterwards (no re-sync)."""
    venv = tmp_path / "venv"
    uv = Path(sys.executable).parent / "uv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
    subprocess.run(
        [str(uv), "sync", "--locked", "--extra", "dev", "-q"], cwd=ROOT, env=env, check=True
    )

    def env_check():
        return subprocess.run(
            ["make", "-s", "env-check", f"VENV={venv}", "EXTRAS="],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip

    assert env_check().stdout == f"env-check: {venv} holds exactly what uv.lock pins\n"
    locked = metadata.version("pyyaml")
    subprocess.run([str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                    "pyyaml==6.0.2"], check=True)  # fmt: skip
    drifted = env_check()
    assert drifted.returncode == 2
    assert drifted.stderr.splitlines()[0] == (
        f"error: env-check: {venv} differs from uv.lock in 1 package(s): pyyaml 6.0.2 (uv.lock "
        f"pins {locked}); run `make venv` to install exactly uv.lock"
    )
    shown = subprocess.run([str(uv), "pip", "show", "pyyaml", "--python", str(venv / "bin" / "python")],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Version: 6.0.2" in shown.splitlines()  # env-check put nothing back
