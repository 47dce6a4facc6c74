"""Each stage records its wall seconds, and `make run` ends with them as a table."""

import json
import subprocess
import sys

from commands.stage_times import read_times, table
from fmnist.stage_runner import record_stage_time


def test_a_stage_script_records_its_seconds_and_exit_code_and_a_command_does_not(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    record_stage_time(0.0, 0, script="/x/stages/split.py")
    record_stage_time(0.0, 2, script="/x/stages/audit.py")
    record_stage_time(0.0, 0, script="/x/bin/fmnist")  # the fmnist command: no stage
    rows = [
        json.loads(line) for line in (tmp_path / "build/stage-times.jsonl").read_text().splitlines()
    ]
    assert [(r["stage"], r["exit"]) for r in rows] == [("split", 0), ("audit", 2)]
    assert all(0 < r["seconds"] < 600 for r in rows)  # this process's age, imports included


def test_the_table_lists_the_stages_of_this_run_slowest_first_with_dvc_own_share(tmp_path):
    path = tmp_path / "times.jsonl"
    rows = [
        {"stage": "split", "seconds": 9.5, "exit": 0, "end": 100.0},
        {"stage": "train_cnn", "seconds": 70.25, "exit": 0, "end": 200.0},
        {"stage": "old", "seconds": 1.0, "exit": 0, "end": 10.0},  # an earlier run
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    found = read_times(path, since=50.0)
    assert [r["stage"] for r in found] == ["split", "train_cnn"]
    assert table(found, wall=90.0).splitlines() == [
        "| stage | wall s |",
        "|---|---:|",
        "| train_cnn | 70.2 |",
        "| split | 9.5 |",
        "| stages in all | 79.8 |",
        "| `dvc repro` in all (DVC's own work: 10.2) | 90.0 |",
    ]
    assert table([], None).startswith("stage times: no stage ran")


def test_a_real_stage_process_records_itself(tmp_path):
    script = tmp_path / "stages" / "demo.py"
    script.parent.mkdir()
    script.write_text(
        "import time\nfrom fmnist.stage_runner import run_stage\n"
        "raise SystemExit(run_stage(lambda argv: time.sleep(0.3), None))\n"
    )
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True)
    [row] = read_times(tmp_path / "build/stage-times.jsonl", 0.0)
    assert row["stage"] == "demo" and row["exit"] == 0 and row["seconds"] >= 0.3
