import json

import pytest

from fmnist.console import main
from fmnist.evaluation.gate import gate_table
from fmnist.metrics import lookup
from fmnist.params import GateRule

RULES = [
    GateRule(file="m/cnn.json", key="accuracy", max_drop=0.005, min=0.9),
    GateRule(file="m/svm.json", key="scores.accuracy", max_drop=0.005, min=0.85),
]
BASE = {"m/cnn.json": {"accuracy": 0.92}, "m/svm.json": {"scores": {"accuracy": 0.90}}}


def results(current, baseline=BASE):
    return gate_table(RULES, baseline, current)["result"].tolist()


def test_pass_within_tolerance_and_above_floors():
    now = {"m/cnn.json": {"accuracy": 0.9160}, "m/svm.json": {"scores": {"accuracy": 0.91}}}
    table = gate_table(RULES, BASE, now)
    assert table["result"].tolist() == ["PASS", "PASS"]
    assert table["change"].tolist() == [pytest.approx(-0.004), pytest.approx(0.01)]


def test_fail_on_a_drop_larger_than_allowed():
    now = {"m/cnn.json": {"accuracy": 0.914}, "m/svm.json": {"scores": {"accuracy": 0.90}}}
    assert results(now) == ["FAIL: dropped 0.0060 > 0.005", "PASS"]


def test_fail_under_the_floor_even_without_a_drop():
    base = {**BASE, "m/cnn.json": {"accuracy": 0.85}}
    now = {"m/cnn.json": {"accuracy": 0.86}, "m/svm.json": {"scores": {"accuracy": 0.90}}}
    assert results(now, base) == ["FAIL: below floor 0.9", "PASS"]


def test_fail_on_missing_metric_or_file():
    now = {"m/cnn.json": {"acc": 0.95}, "m/svm.json": None}
    assert results(now) == ["FAIL: missing now", "FAIL: missing now"]
    assert results(BASE, {}) == ["FAIL: missing baseline", "FAIL: missing baseline"]


@pytest.mark.parametrize("value", ["0.93", None, float("nan"), True, [0.9]])
def test_fail_on_values_that_are_not_numbers(value):
    now = {"m/cnn.json": {"accuracy": value}, "m/svm.json": {"scores": {"accuracy": 0.9}}}
    first = results(now)[0]
    assert first.startswith("FAIL: ") and ("not a number" in first or "missing" in first)


def test_lookup_dotted_keys():
    assert lookup({"a": {"b": 1}}, "a.b") == 1
    assert lookup({"a": 1}, "a.b") is None and lookup(None, "a") is None


def test_gate_against_git_revisions(dvc_project, monkeypatch, capsys):
    """Real revisions through dvc.api: committed baseline vs workspace, and rev vs rev."""
    project = dvc_project()
    metrics = project.path / "metrics"
    metrics.mkdir(exist_ok=True)
    (project.path / "dvc.yaml").write_text("metrics:\n  - metrics/cnn.json\n  - metrics/svm.json\n")

    def write(cnn, svm):
        for name, values in (("cnn", cnn), ("svm", svm)):
            (metrics / f"{name}.json").write_text(json.dumps(values))

    good = {"accuracy": 0.93, "macro_f1": 0.93}
    write(good, {"accuracy": 0.91, "macro_f1": 0.91})
    project.commit("baseline")
    monkeypatch.chdir(project.path)

    assert main(["gate"]) == 0  # workspace == HEAD
    assert "gate PASSED: 4 of 4 rules hold" in capsys.readouterr().out

    write({"accuracy": 0.90, "macro_f1": 0.90}, {"accuracy": 0.91, "macro_f1": 0.91})
    assert main(["gate", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert (
        "metrics/cnn.json:accuracy" in out and "FAIL: below floor 0.92; dropped 0.0300 > 0.005" in out
    )
    assert "gate FAILED: 2 of 4 rules hold" in out

    project.commit("regression")
    assert main(["gate", "HEAD~1", "--current", "HEAD"]) == 1
    assert main(["gate", "HEAD", "--current", "HEAD"]) == 1  # a bad HEAD fails its floors too
    assert main(["gate", "HEAD~1", "--current", "HEAD~1"]) == 0

    # a typo is not a regression: one error line, exit 2, no table
    capsys.readouterr()
    assert main(["gate", "nosuchrev"]) == 2
    assert main(["gate", "HEAD", "--current", "nosuch-exp"]) == 2
    out, err = capsys.readouterr()
    assert "gate" not in out
    assert err.splitlines() == [
        "error: unknown revision 'nosuchrev': not a git revision or DVC experiment of this "
        "repository (see `git log`, `dvc exp list`)",
        "error: unknown revision 'nosuch-exp': not a git revision or DVC experiment of this "
        "repository (see `git log`, `dvc exp list`)",
    ]
