import numpy as np
import pytest

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.evaluation.stats import bootstrap_accuracy, mcnemar, per_class_table, summary_metrics


def correctness(both, only_a, only_b, neither):
    a = np.array([1] * both + [1] * only_a + [0] * only_b + [0] * neither, bool)
    b = np.array([1] * both + [0] * only_a + [1] * only_b + [0] * neither, bool)
    return a, b


def test_mcnemar_exact_binomial_by_hand():
    # 10 vs 2 disagreements: p = 2 * P(X <= 2 | n=12, 1/2) = 2 * (1 + 12 + 66) / 4096
    result = mcnemar(*correctness(80, 10, 2, 8))
    assert (result["only_a_correct"], result["only_b_correct"]) == (10, 2)
    assert result["method"] == "exact binomial"
    assert result["p_value"] == pytest.approx(158 / 4096)


def test_mcnemar_chi_square_by_hand():
    # 30 vs 10: chi2 = (|30 - 10| - 1)^2 / 40 = 9.025; p = erfc(sqrt(9.025 / 2)) for 1 dof
    result = mcnemar(*correctness(500, 30, 10, 60))
    assert result["method"] == "chi-square, continuity-corrected"
    assert result["statistic"] == pytest.approx(9.025)
    assert result["p_value"] == pytest.approx(0.0026640, rel=1e-3)


def test_mcnemar_without_disagreements():
    result = mcnemar(*correctness(5, 0, 0, 5))
    assert result["p_value"] == 1.0 and result["method"] == "no disagreements"


def test_metrics_on_hand_made_predictions():
    y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 9])
    y_pred = np.array([0, 0, 0, 1, 1, 1, 1, 1, 2, 0, 3, 4, 5, 6, 7, 8, 9, 9])
    table = per_class_table(y_true, y_pred, FASHION_MNIST_CLASSES)
    row = table.set_index("class")
    assert row.loc["T-shirt/top", "recall"] == pytest.approx(3 / 4)
    assert row.loc["T-shirt/top", "precision"] == pytest.approx(3 / 4)
    assert row.loc["Trouser", "precision"] == pytest.approx(4 / 5)
    assert row.loc["Pullover", "recall"] == pytest.approx(1 / 2)
    assert row["support"].tolist() == [4, 4, 2, 1, 1, 1, 1, 1, 1, 2]
    summary = summary_metrics(y_true, y_pred, table)
    assert summary["accuracy"] == pytest.approx(16 / 18)
    assert summary["weakest_class"] == "Pullover" and summary["weakest_class_recall"] == 0.5
    f1 = [6 / 8, 8 / 9, 2 / 3] + [1.0] * 7
    assert summary["macro_f1"] == pytest.approx(np.mean(f1))


def test_bootstrap_is_seeded_and_brackets_the_accuracy():
    rng = np.random.default_rng(0)
    a, b = rng.random(2000) < 0.9, rng.random(2000) < 0.8
    first = bootstrap_accuracy(a, b, 300, seed=1)
    assert first == bootstrap_accuracy(a, b, 300, seed=1)
    assert first != bootstrap_accuracy(a, b, 300, seed=2)
    for name, correct in (("a", a), ("b", b)):
        low, high = first[name]
        assert low < correct.mean() < high and high - low < 0.05
    low, high = first["difference"]
    assert low < a.mean() - b.mean() < high
