"""The GitHub Actions workflow: it lints clean, has no known security mistake, and runs the
same project commands as .ci/run (it cannot run here: these are its checks)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
BIN = Path(sys.executable).parent


def actionlint(path: Path) -> subprocess.CompletedProcess:
    # ShellCheck, where installed (.ci/run installs it), also checks every `run:` script
    return subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(path)], capture_output=True, text=True
    )


def zizmor_findings(path: Path) -> list[str]:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--format", "json", str(path)],
        capture_output=True,
        text=True,
    )
    return sorted({finding["ident"] for finding in json.loads(result.stdout)})


def run_steps() -> list[str]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]


def test_the_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_no_security_mistake():
    assert zizmor_findings(WORKFLOW) == []


def test_the_linters_do_catch_mistakes(tmp_path):
    """The two checks above can fail: a typo'd key, an untrusted title in a script, an unpinned
    action and a checkout that keeps its credentials are each reported."""
    text = WORKFLOW.read_text()
    bad = tmp_path / "bad.yml"
    bad.write_text(text.replace("timeout-minutes:", "timeout-minute:"))
    assert "unexpected key" in actionlint(bad).stdout
    bad.write_text(
        text.replace("persist-credentials: false", "fetch-depth: 1")
        .replace("run: make venv", 'run: echo "${{ github.event.pull_request.title }}"')
        .replace("@9255dc7a253b0ccc959486e2bca901246202afeb # v5.0.1", "@v5")
    )
    assert actionlint(bad).returncode == 1
    assert {"artipacked", "template-injection", "unpinned-uses"} <= set(zizmor_findings(bad))


@pytest.mark.parametrize(
    "command",
    [
        "make test",
        "make run",
        "make env-check",
        ".venv/bin/fmnist ci-report HEAD --out build/ci-report",
        ".venv/bin/fmnist gate HEAD",
    ],
)
def test_the_workflow_runs_what_ci_runs(command):
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci
    assert any(command in step for step in run_steps())


def test_the_uv_cache_is_keyed_on_the_lock():
    text = WORKFLOW.read_text()
    assert "path: ~/.cache/uv" in text and "hashFiles('uv.lock')" in text
