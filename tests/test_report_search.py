import datetime

from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from fmnist.report.search import history_figure, search_markdown, trials_table

START = datetime.datetime(2026, 11, 26, 12, 0, 0)


def trial(number, lr, value, state=TrialState.COMPLETE, **attrs):
    made = create_trial(
        state=state,
        value=value if state == TrialState.COMPLETE else None,
        params={"cnn.learning_rate": lr},
        distributions={"cnn.learning_rate": FloatDistribution(1e-4, 1e-1, log=True)},
        user_attrs={"experiment": f"s-{number}", **attrs},
    )
    made.number = number
    made.datetime_start = START
    made.datetime_complete = START + datetime.timedelta(seconds=90 + number)
    return made


def test_trials_table_puts_the_best_first_and_unfinished_last():
    trials = [
        trial(0, 0.001, 0.91),
        trial(1, 0.004, None, TrialState.FAIL),
        trial(2, 0.002, 0.93, retry_of="s-1"),
        trial(3, 0.008, 0.92),
    ]
    table = trials_table(trials, "best_val_accuracy", maximize=True)
    assert table["trial"].tolist() == [2, 3, 0, 1]
    assert table.loc[0, "retry of"] == "s-1" and table.loc[0, "seconds"] == 92
    assert table["state"].tolist() == ["complete", "complete", "complete", "fail"]
    assert trials_table(trials, "best_val_accuracy", maximize=False)["trial"].tolist()[:3] == [
        0,
        3,
        2,
    ]
    text = search_markdown(
        "s", "TPESampler", "m:best_val_accuracy", table, {"cnn.learning_rate": 1.0}, "h.png"
    )
    assert "3 complete trials of 4 (TPESampler)" in text and "validation metric" in text
    assert (
        "apply it with `dvc exp apply s-2`" in text and "![Optimisation history of s](h.png)" in text
    )


def test_history_figure_draws_each_trial_and_the_best_so_far():
    figure = history_figure([(0, 0.91), (2, 0.93), (3, 0.92)], maximize=True, metric="acc")
    ax = figure.axes[0]
    points, best = ax.lines
    assert list(points.get_ydata()) == [0.91, 0.93, 0.92]
    assert list(best.get_ydata()) == [0.91, 0.93, 0.93]
