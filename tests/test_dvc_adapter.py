"""fmnist.dvc_adapter: the one way the project runs DVC and reads files at a revision."""

import re
import subprocess

import pytest

from fmnist.dvc_adapter import DvcError, dvc_json, metrics_at_rev, read_at_rev, run_dvc
from tests.helpers import ROOT, git_dvc_repo

SHIPPED = ("fmnist", "commands", "stages")


def test_no_shipped_module_runs_dvc_or_reads_a_revision_but_the_adapter():
    offenders = []
    for folder in SHIPPED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "dvc_adapter.py":
                continue
            code = "\n".join(
                line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
            )
            if re.search(r'"-m",\s*"dvc"|import dvc\.api|from dvc import api|dvc\.api\.\w+\(', code):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(git_dvc_repo(tmp_path))
    (tmp_path / "m.json").write_text('{"accuracy": 0.5}')
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  score:\n    cmd: 'true'\n    metrics: [m.json: {cache: false}]\n"
    )
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(["git", "commit", "-qm", "one"], check=True)
    (tmp_path / "m.json").write_text('{"accuracy": 0.75}')
    return tmp_path


def test_files_and_metrics_read_at_a_revision_and_in_the_workspace(repo):
    assert read_at_rev("m.json", "HEAD") == '{"accuracy": 0.5}'
    assert read_at_rev("m.json", None) == '{"accuracy": 0.75}'
    assert metrics_at_rev("m.json", "HEAD") == {"accuracy": 0.5}
    with pytest.raises(DvcError, match=r"^nope\.json at 'HEAD': ") as raised:
        read_at_rev("nope.json", "HEAD")
    assert not raised.value.timed_out
    with pytest.raises(DvcError, match=r"^nope\.json: not in the workspace$"):
        read_at_rev("nope.json", None)


def test_json_answers_and_one_error_type(repo):
    assert dvc_json(["metrics", "diff", "HEAD"]) == {
        "m.json": {"accuracy": {"old": 0.5, "new": 0.75, "diff": 0.25}}
    }
    with pytest.raises(DvcError) as raised:
        run_dvc(["repro", "no-such-stage"])
    assert str(raised.value).startswith("dvc repro no-such-stage: ERROR: ")
    assert run_dvc(["repro", "no-such-stage"], check=False).returncode != 0


def test_a_command_past_its_time_limit_is_ended(repo):
    marker = f"fmnist-nap-{repo.name}"
    (repo / "dvc.yaml").write_text(
        f"stages:\n  nap:\n    cmd: python -c 'import time; time.sleep(60)' {marker}\n"
    )
    with pytest.raises(DvcError) as raised:
        run_dvc(["repro"], timeout_s=3)
    assert raised.value.timed_out
    assert str(raised.value) == "dvc repro: ran past its time limit of 3 s and was ended"
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""
