"""The study report's logic on synthetic `dvc exp show --json` answers, checked by hand."""

import math

import numpy as np
import pytest

import fmnist.report as seed_study
from fmnist.report import ReportError

BASE_PARAMS = {
    "base": {"seed": 42},
    "split": {"val_fraction": 0.1, "train_limit": 0},
    "cnn": {"seed": 42, "conv_layers": 2, "dropout": 0.2, "filters": [32, 64]},
    "svm": {"seed": 42, "C": 10.0},
}


def params(cnn=None, svm=None):
    return {
        **BASE_PARAMS,
        "cnn": {**BASE_PARAMS["cnn"], **(cnn or {})},
        "svm": {**BASE_PARAMS["svm"], **(svm or {})},
    }


def metrics(cnn_acc, svm_acc=0.8, cnn_seconds=100.0):
    def model(acc, seconds, throughput):
        return {
            "data": {
                "accuracy": acc,
                "macro_f1": acc - 0.01,
                "train_seconds": seconds,
                "throughput_images_per_s": throughput,
                "test_images": 10000,
            }
        }

    return {
        "metrics/cnn.json": model(cnn_acc, cnn_seconds, 10000.0),
        "metrics/svm.json": model(svm_acc, 30.0, 1000.0),
        "metrics/cnn_train.json": {"data": {"precision": "float32", "device": "CPU: test"}},
    }


def rev(sha, name, data, state="success"):
    entry = {"rev": sha, "name": name, "error": None, "data": data}
    return {"name": name, "executor": {"state": state}, "revs": [entry]}


def data(p, m):
    return {"params": {"params.yaml": {"data": p}}, "metrics": m}


def exp_show():
    """Baseline (CNN 0.90, SVM 0.80) + dropout 0.5 at seeds 42 and 1 + an SVM-only experiment."""
    experiments = [
        rev("a" * 40, "drop-42", data(params(cnn={"dropout": 0.5}), metrics(0.91))),
        rev("b" * 40, "drop-1", data(params(cnn={"dropout": 0.5, "seed": 1}), metrics(0.93))),
        rev("c" * 40, "svm-1", data(params(svm={"seed": 1}), metrics(0.90, svm_acc=0.82))),
        rev("d" * 40, "broken", None, state="failed"),
        rev("e" * 40, "waiting", None, state="queued"),
        rev("f" * 40, "foreign", data({"model": {"lr": 1}}, {"scores.json": {"data": {"acc": 1}}})),
    ]
    workspace = {"rev": "workspace", "name": None, "data": data(params(), metrics(0.90))}
    baseline = {
        "rev": "0" * 40,
        "name": "main",
        "error": None,
        "data": data(params(), metrics(0.90)),
        "experiments": experiments,
    }
    return [workspace, baseline]


def test_collect_runs_counts_each_model_once_and_says_what_it_skipped():
    runs, skipped, reference = seed_study.collect_runs(exp_show())
    cnn, svm = runs[runs["model"] == "cnn"], runs[runs["model"] == "svm"]
    # the CNN of svm-1 and the SVM of the dropout experiments equal the baseline's: not repeated
    assert sorted(zip(cnn["name"], cnn["seed"], cnn["accuracy"], strict=True)) == [
        ("drop-1", 1, 0.93),
        ("drop-42", 42, 0.91),
        ("main", 42, 0.90),
    ]
    assert sorted(zip(svm["name"], svm["seed"], svm["accuracy"], strict=True)) == [
        ("main", 42, 0.8),
        ("svm-1", 1, 0.82),
    ]
    assert reference == params()
    assert set(cnn["ran_on"]) == {"float32 CPU: test"} and set(svm["ran_on"]) == {""}
    assert skipped[0].startswith("workspace: not an experiment")
    assert "broken: failed, no results yet" in skipped
    assert "waiting: queued, no results yet" in skipped
    assert (
        sum(line.startswith("foreign: ") and "not a run of this project" in line for line in skipped)
        == 2
    )
    assert len(skipped) == 5


def test_aggregate_gives_n_mean_std_min_max_per_configuration():
    runs, _, _ = seed_study.collect_runs(exp_show())
    groups = seed_study.aggregate(runs)
    cnn_groups = groups[groups["model"] == "cnn"]
    assert len(cnn_groups) == 2 and len(groups) == 3
    row = cnn_groups[cnn_groups["config"].map(lambda c: dict(c)["cnn.dropout"] == 0.5)].iloc[0]
    assert row["n"] == 2 and row["seeds"] == (1, 42)
    assert row["accuracy_mean"] == pytest.approx(0.92)
    assert row["accuracy_std"] == pytest.approx(math.sqrt(2 * 0.01**2 / 1))  # n - 1 = 1
    assert (row["accuracy_min"], row["accuracy_max"]) == (0.91, 0.93)
    assert row["macro_f1_mean"] == pytest.approx(0.91)
    single = cnn_groups[cnn_groups["n"] == 1].iloc[0]
    assert math.isnan(single["accuracy_std"])
    assert seed_study.varying_keys(cnn_groups["config"]) == ["cnn.dropout"]
    table = seed_study.configurations_table(groups, "cnn")
    assert list(table["cnn.dropout"]) == ["0.2", "0.5"]
    assert list(table["test accuracy % (mean ± std)"]) == ["90.00", "92.00 ± 1.41"]


def test_an_empty_selection_is_refused_with_one_error():
    only_waiting = exp_show()[1]
    only_waiting = {**only_waiting, "data": None, "error": {"msg": "no metrics"}}
    only_waiting["experiments"] = only_waiting["experiments"][3:5]
    with pytest.raises(ReportError, match=r"no finished experiment to report on .*broken: failed"):
        seed_study.collect_runs([only_waiting])
    with pytest.raises(ReportError, match="no finished experiment"):
        seed_study.collect_runs([])


def test_paired_comparison_per_seed_and_across_seeds_by_hand():
    labels = np.zeros(100, dtype=int)
    wrong = np.ones(100, dtype=int)
    # seed 1: a right on 6 images b gets wrong, nothing the other way -> exact binomial
    # p = 2 * 0.5**6; seed 2: a 4 points ahead (chi-square unused: 4 < 25 disagreements)
    a = {1: np.where(np.arange(100) < 56, 0, 1), 2: np.where(np.arange(100) < 54, 0, 1), 3: labels}
    b = {1: np.where(np.arange(100) < 50, 0, 1), 2: np.where(np.arange(100) < 50, 0, 1), 4: wrong}
    result = seed_study.paired_comparison(a, b, labels)
    assert result["seeds"] == [1, 2]
    assert result["per_seed"][0] == {
        "seed": 1,
        "accuracy_a": pytest.approx(0.56),
        "accuracy_b": pytest.approx(0.50),
        "difference": pytest.approx(0.06),
        "p_value": pytest.approx(2 * 0.5**6),
    }
    assert result["per_seed"][1]["p_value"] == pytest.approx(2 * 0.5**4)
    assert result["mean_difference"] == pytest.approx(0.05)
    # differences 0.06 and 0.04: t = 0.05 / (0.01414 / sqrt 2) = 5 with 1 df (Cauchy):
    # p = 1 - 2 atan(5) / pi
    assert result["t_test_p"] == pytest.approx(1 - 2 * math.atan(5) / math.pi)
    assert seed_study.comparison_verdict(result) == "no difference shown"  # seed 2: p = 0.125
    only_first = seed_study.paired_comparison({1: a[1]}, {1: b[1]}, labels)
    assert seed_study.comparison_verdict(only_first) == "better" and math.isnan(
        only_first["t_test_p"]
    )
    assert (
        seed_study.comparison_verdict(seed_study.paired_comparison({1: b[1]}, {1: a[1]}, labels))
        == "worse"
    )


def test_level_verdict_uses_binomial_and_seed_noise():
    # binomial SE at 92% on 10,000 images: sqrt(.92 * .08 / 1e4) = 0.002713; x 1.96 = 0.53 pts
    assert (
        seed_study.level_verdict(0.92, math.nan, 1, 0.9198, 10000) == "reproduced (within ±0.53 pts)"
    )
    assert seed_study.level_verdict(0.92, math.nan, 1, 0.91, 10000) == (
        "not reproduced: 1.00 pts higher (band ±0.53 pts)"
    )
    # a seed std of 0.5 points widens the band to 1.96 * sqrt(0.002713^2 + 0.005^2) = 1.11 pts
    assert seed_study.level_verdict(0.92, 0.005, 3, 0.91, 10000) == "reproduced (within ±1.11 pts)"


def test_claims_table_finds_the_configurations_by_their_changes():
    runs, _, reference = seed_study.collect_runs(exp_show())
    groups = seed_study.aggregate(runs)
    references = {m: seed_study.model_config(reference, m)[0] for m in ("cnn", "svm")}
    labels = np.zeros(10000, dtype=int)

    def compare(model_a, config_a, model_b, config_b):
        assert (model_a, model_b) == ("cnn", "cnn") and dict(config_b)["cnn.dropout"] == 0.2
        return seed_study.paired_comparison(
            {42: labels}, {42: np.where(np.arange(10000) < 9000, 0, 1)}, labels
        )

    claims = (
        seed_study.Claim("dropout 0.5 reaches 92%", "cnn", {"cnn.dropout": 0.5}, 0.92),
        seed_study.Claim("dropout 0.5 beats 0.2", "cnn", {"cnn.dropout": 0.5}, versus="cnn"),
        seed_study.Claim("three layers: 91%", "cnn", {"cnn.conv_layers": 3}, 0.91),
    )
    table = seed_study.claims_table(claims, groups, references, compare, 10000)
    assert list(table["measured"]) == [
        "92.00 ± 1.41 (n=2)",
        "92.00 ± 1.41 (n=2) vs 90.00 (n=1)",
        "not run",
    ]
    assert table["verdict"][0].startswith("reproduced (within ±")
    assert table["verdict"][1].startswith("reproduced (McNemar p per seed: ")
    assert table["verdict"][2] == "not run"
    with pytest.raises(ReportError, match=r"unknown param cnn\.depth"):
        seed_study.with_changes(references["cnn"], {"cnn.depth": 3})


def test_speed_claim_says_which_way_each_part_goes():
    runs, _, reference = seed_study.collect_runs(exp_show())
    references = {m: seed_study.model_config(reference, m)[0] for m in ("cnn", "svm")}
    row = seed_study.speed_claim(seed_study.aggregate(runs), references)
    # baseline: CNN 100 s and 10,000 images/s, SVM 30 s and 1,000 images/s
    assert row["verdict"] == (
        "training: SVM 3.3x faster (not reproduced); predicting: SVM 10.0x slower (reproduced)"
    )


def test_sweep_figure_draws_a_line_per_hue_value_in_the_models_colour_or_nothing():
    from matplotlib.colors import to_hex

    from fmnist.models.kinds import MODELS
    from fmnist.report.figures import shades, sweep_figure

    runs, _, reference = seed_study.collect_runs(exp_show())
    committed = seed_study.model_config(reference, "cnn")[0]
    cnn = seed_study.two_way(runs, committed, "cnn", "cnn.dropout", "cnn.conv_layers")
    fig = sweep_figure(cnn, "cnn", "cnn.dropout", "cnn.conv_layers")
    (ax,) = fig.axes
    assert len(ax.containers) == 1  # one error-bar line: conv_layers 2 only
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "conv layers (conv + max-pool blocks) 2: mean ± std"
    ]
    assert to_hex(ax.lines[0].get_color()) == to_hex(shades(MODELS["cnn"].colour, 1)[0])
    assert ax.get_xlabel() == "dropout rate" and ax.get_ylabel() == "test accuracy (%)"
    assert len(ax.collections[-1].get_offsets()) == 3  # every seed's point: 42 (0.2), 42 and 1
    # conv_layers never varies: no figure against it
    flat = seed_study.two_way(runs, committed, "cnn", "cnn.conv_layers", "cnn.dropout")
    assert sweep_figure(flat, "cnn", "cnn.conv_layers", "cnn.dropout") is None


def test_list_values_and_keys_missing_from_older_params_still_make_a_table():
    answer = exp_show()
    resnet = params(cnn={"arch": "resnet", "filters": [16, 16]})  # "arch": only in this one
    answer[1]["experiments"].append(rev("9" * 40, "res", data(resnet, metrics(0.95))))
    runs, _, _ = seed_study.collect_runs(answer)
    table = seed_study.configurations_table(seed_study.aggregate(runs), "cnn")
    assert list(table.columns[:3]) == ["cnn.arch", "cnn.dropout", "cnn.filters"]
    assert table.iloc[0, :3].tolist() == ["resnet", "0.2", "[16, 16]"]  # as shown, rounded
    assert table["cnn.arch"].tolist() == ["resnet", seed_study.ABSENT, seed_study.ABSENT]


def test_a_configuration_lacking_a_key_is_compared_with_the_reference_and_labelled():
    answer = exp_show()
    resnet = params(cnn={"arch": "resnet"})  # "arch": not in the baseline's (older) params
    answer[1]["experiments"].append(rev("9" * 40, "res", data(resnet, metrics(0.95))))
    runs, _, reference = seed_study.collect_runs(answer)
    references = {model: seed_study.model_config(reference, model)[0] for model in ("cnn", "svm")}
    result = {
        "seeds": [42],
        "mean_difference": 0.05,
        "per_seed": [{"p_value": 0.01, "difference": 0.05}],
        "t_test_p": float("nan"),
    }
    table = seed_study.comparisons_table(seed_study.aggregate(runs), references, lambda *_: result)
    assert "cnn.arch=resnet" in table["configuration"].tolist()
