"""A stage started by a Python without the project's packages stops with one line and the fix."""

import os
import sys
from pathlib import Path

from fmnist.stage_runner import project_installed

ERROR = (
    "lacks this project's packages (fmnist-dvc is not installed in it): activate the venv "
    "(`source .venv/bin/activate`) or run `make run`"
)


def test_this_python_has_the_project_and_the_project_folder_does_not_count(tmp_path, monkeypatch):
    assert project_installed()
    # the project folder holds a build's fmnist_dvc.egg-info: found there, it would pass any Python
    (tmp_path / "fmnist_dvc.egg-info").mkdir()
    (tmp_path / "fmnist_dvc.egg-info" / "PKG-INFO").write_text("Name: fmnist-dvc\nVersion: 0\n")
    monkeypatch.chdir(tmp_path)
    assert not project_installed([str(tmp_path), ""])


def test_dvc_repro_outside_the_venv_stops_the_stage_with_one_line(dvc_project, tmp_path):
    """`.venv/bin/dvc repro` with a PATH that lacks the venv: the stage's `python` is the one the
    venv was made from, which has none of the project's packages."""
    project = dvc_project()
    bare = tmp_path / "bare-bin"
    bare.mkdir()
    (bare / "python").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    project.env["PATH"] = os.pathsep.join([str(bare), "/usr/bin", "/bin"])
    result = project.dvc("repro", "download", check=False)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {bare / 'python'} {ERROR}"]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (project.path / "data" / "raw").exists()  # nothing written
