import json

import pytest

from fmnist.stage_runner import run_stage
from stages import publish

CNN_ENVIRONMENT = {"lock": "sha256:ab", "python": "3.11.7", "packages": {"keras": "3.15.1"}}
SVM_ENVIRONMENT = {"lock": "sha256:cd", "python": "3.11.7", "packages": {"numpy": "2.4.6"}}


def write_inputs(tmp_path):
    live, results = tmp_path / "dvclive" / "cnn", tmp_path / "results"
    for split in ("train", "eval"):
        (live / "plots" / "metrics" / split).mkdir(parents=True)
        (live / "plots" / "metrics" / split / "loss.tsv").write_text(f"step\tloss\n0\t0.{split!r}\n")
    (live / "metrics.json").write_text('{"best_val_accuracy": 0.9, "train_seconds": 12.5}\n')
    results.mkdir()
    for name, accuracy in (("cnn", 0.9), ("svm", 0.8)):
        (results / f"{name}.json").write_text(json.dumps({"accuracy": accuracy}))
    (results / "compare.json").write_text('{"accuracy_difference": 0.1}')
    (results / "per_class.csv").write_text("model,class,recall\ncnn,Shirt,0.7\n")
    meta = tmp_path / "svm.json"
    meta.write_text(
        json.dumps(
            {"model": "svm.skops", "summary": {"fit_seconds": 3.5}, "environment": SVM_ENVIRONMENT}
        )
    )
    cnn_meta = tmp_path / "cnn.json"
    cnn_meta.write_text(json.dumps({"model": "cnn.keras", "environment": CNN_ENVIRONMENT}))
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "counts.json").write_text('{"label_issues": {"total": 3}}')
    return [
        *("--cnn-live", str(live), "--cnn-meta", str(cnn_meta), "--svm-meta", str(meta)),
        *("--results", str(results), "--audit", str(tmp_path / "audit" / "counts.json")),
    ]


def test_publish_copies_summaries_and_curves_into_the_tracked_directory(tmp_path):
    args = write_inputs(tmp_path)
    out = tmp_path / "metrics"
    publish.main([*args, "--out", str(out)])
    results, live = tmp_path / "results", tmp_path / "dvclive" / "cnn"
    for name in ("cnn.json", "svm.json", "compare.json", "per_class.csv"):
        assert (out / name).read_bytes() == (results / name).read_bytes()
    assert (out / "cnn_train.json").read_bytes() == (live / "metrics.json").read_bytes()
    assert json.loads((out / "audit.json").read_text()) == {"label_issues": {"total": 3}}
    assert json.loads((out / "svm_train.json").read_text()) == {"fit_seconds": 3.5}
    # each model's environment as its own record says (from the run-cache: maybe another's)
    assert json.loads((out / "environment.json").read_text()) == {
        "cnn": CNN_ENVIRONMENT,
        "svm": SVM_ENVIRONMENT,
    }
    for split in ("train", "eval"):
        copied = out / "cnn_curves" / split / "loss.tsv"
        assert copied.read_text() == f"epoch\tstep\tloss\n1\t0\t0.{split!r}\n"  # epoch from 1
    assert not list(tmp_path.rglob(".*.tmp*"))


@pytest.mark.parametrize(
    ("missing", "stage"),
    [
        ("results/compare.json", "evaluate"),
        ("dvclive/cnn/metrics.json", "train_cnn"),
        ("cnn.json", "train_cnn"),
        ("audit/counts.json", "audit"),
    ],
)
def test_a_missing_input_is_one_error_and_publishes_nothing(tmp_path, capsys, missing, stage):
    args = write_inputs(tmp_path)
    (tmp_path / missing).unlink()
    out = tmp_path / "metrics"
    assert run_stage(publish.main, [*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: {tmp_path / missing}: file not found (run `dvc repro {stage}` to write it)"
    ]
    assert not out.exists()
