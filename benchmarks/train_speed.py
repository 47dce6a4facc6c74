"""Benchmark: time-to-accuracy of the study's CNN, the plain Keras way against this project's recipes.

    python benchmarks/train_speed.py [--split data/split] [--recipes plain old previous default]
        [--csv docs/speed_curves.csv] [--plot docs/speed_curves.png]
    python benchmarks/train_speed.py --compare fast:batch_size=128,learning_rate=0.008
        [--compare NAME:KEY=VALUE,...] [--seeds 42 1 2]

``--compare`` is the same-run A/B: the committed recipe (params.yaml's cnn section) and each
candidate (cnn keys over it, values read as YAML), one process per run, alternated seed by seed
(the order rotates each seed, so a host that slows down over the run does not favour one recipe).
It prints every run, then per candidate the ratio of training seconds to the committed recipe's
(seed by seed, and of the sums) and the mean ± std of the best validation accuracy (what a
choice may use) and of the test accuracy (what is reported). With ``--plot``, test accuracy
against seconds, each run a point: the measured frontier (``--replot CSV`` redraws it).

Recipes, one after the other on the same split (run `dvc repro split` first), each in a new
process of its own, as the pipeline's stage trains (in one shared process the batch-64
default measured slower after the other recipes had run than alone: docs/speed.md):
- plain: what a user writes after keras.io's MNIST convnet example: the study's layers,
  ``model.fit`` on numpy float32 arrays, Adam at Keras' defaults, batch 128, 30 epochs, no
  augmentation, float32;
- old: this project's recipe before the time-to-accuracy work (commit 5ac6904: 30 epochs of
  cosine decay from 2e-3, no warm-up, no flip averaging, batch 128, dropout 0.2, label
  smoothing 0.1);
- previous: the first 12-epoch recipe (commit a819149: a 1-epoch warm-up to 6e-3, cosine to 0,
  flip averaging, batch 128, dropout 0.2, label smoothing 0.1);
- default: params.yaml's cnn section as it is.
The project's recipes run through ``fmnist.models.training.train_cnn`` (``cnn.precision``
decided for this machine, as in the pipeline); oneDNN is decided as in the pipeline for all.
For each: seconds of training until the validation accuracy first reaches each target (from
the start of the first epoch, validation included), s/epoch, the best validation accuracy and
the test accuracy of the model as the pipeline would save it. Measures and prints; asserts
nothing. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.split_files import load_split
from fmnist.models.hardware import (
    detect_hardware,
    onednn_state,
    resolve_precision,
    use_onednn_where_it_helps,
)
from fmnist.params import CnnParams, load_params
from fmnist.pictures.pixels import IMAGE_SHAPE, to_cnn_input

NUM_CLASSES = len(FASHION_MNIST_CLASSES)  # the benchmark runs on Fashion-MNIST

# the project's earlier recipes as cnn params over today's default (the layers never changed)
_STUDY_REGULARISATION = {"batch_size": 128, "dropout": 0.2, "label_smoothing": 0.1}
RECIPES: dict[str, dict[str, object]] = {
    "old": {  # commit 5ac6904
        **_STUDY_REGULARISATION,
        "epochs": 30,
        "learning_rate": 0.002,
        "lr_schedule": "cosine",
        "warmup_epochs": 0,
        "ema_momentum": 0,
        "augment_shift": 1,
        "predict_flip_average": False,
    },
    "previous": {  # commit a819149
        **_STUDY_REGULARISATION,
        "epochs": 12,
        "learning_rate": 0.006,
        "lr_schedule": "cosine",
        "warmup_epochs": 1,
        "ema_momentum": 0,
        "augment_shift": 1,
        "predict_flip_average": True,
    },
    "default": {},
}


def epoch_curve():
    """A Keras callback recording (seconds since the first epoch began, validation accuracy)."""
    import keras

    class Curve(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[tuple[float, float]] = []
            self.start: float | None = None

        def on_epoch_begin(self, epoch, logs=None):
            self.start = self.start or time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.rows.append((time.perf_counter() - self.start, float(logs["val_accuracy"])))

    return Curve()


def plain_keras(train, val, epochs: int, seed: int):
    """The keras.io way: Sequential model, numpy arrays straight into fit."""
    import keras

    from fmnist.models.training import seed_everything

    seed_everything(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(*IMAGE_SHAPE, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = to_cnn_input(train[0]), keras.utils.to_categorical(train[1], NUM_CLASSES)
    x_val, y_val = to_cnn_input(val[0]), keras.utils.to_categorical(val[1], NUM_CLASSES)
    curve = epoch_curve()
    model.fit(
        x,
        y,
        batch_size=128,
        epochs=epochs,
        validation_data=(x_val, y_val),
        callbacks=[curve],
        verbose=0,
    )
    return model, curve.rows, "float32"


def project(params: CnnParams, train, val):
    from fmnist.models.training import train_cnn

    curve = epoch_curve()
    model, summary = train_cnn(params, params.seed, train, val, NUM_CLASSES, [curve], verbose=0)
    return model, curve.rows, summary["precision"]


def time_to(rows: list[tuple[float, float]], target: float) -> float | None:
    """Seconds at the end of the first epoch whose validation accuracy reaches ``target``."""
    return next((round(s, 1) for s, accuracy in rows if accuracy >= target), None)


def run_recipe(
    name: str,
    cnn: CnnParams,
    split: str,
    plain_epochs: int,
    targets: list[float],
    overrides: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """Train one recipe and test it: its table row and its (seconds, val accuracy) curve. Runs
    in a new process, which inherits the oneDNN switch main() set before any TensorFlow.
    ``overrides`` (cnn keys) replace the named recipe's."""
    train, val = load_split(split, "train"), load_split(split, "val")
    test_images, test_labels = load_split(split, "test")
    if name == "plain":
        model, curve, precision = plain_keras(train, val, plain_epochs, cnn.seed)
    else:
        model, curve, precision = project(
            dataclasses.replace(cnn, **(RECIPES[name] if overrides is None else overrides)),
            train,
            val,
        )
    predicted = model.predict(to_cnn_input(test_images), batch_size=1024, verbose=0)
    row = {
        "recipe": name,
        "precision": precision,
        "epochs": len(curve),
        "train s": round(curve[-1][0], 1),
        "s/epoch": round(curve[-1][0] / len(curve), 2),
        **{f"s to val {t:.1%}": time_to(curve, t) for t in targets},
        "best val %": round(100 * max(a for _, a in curve), 2),
        "test %": round(100 * float((predicted.argmax(axis=1) == test_labels).mean()), 2),
    }
    return row, curve


def candidate(text: str) -> tuple[str, dict[str, Any]]:
    """``name:key=value,key=value`` -> (name, cnn overrides); values are YAML scalars."""
    import yaml

    name, _, pairs = text.partition(":")
    overrides = {}
    for pair in filter(None, pairs.split(",")):
        key, sep, raw = pair.partition("=")
        if not sep or key not in {f.name for f in dataclasses.fields(CnnParams)}:
            raise argparse.ArgumentTypeError(f"{pair!r}: expected KEY=VALUE with a cnn key")
        overrides[key] = yaml.safe_load(raw)
    if not name or name == "committed":
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME:KEY=VALUE,... (not 'committed')")
    return name, overrides


def compare(
    cnn: CnnParams, split: str, candidates: list[tuple[str, dict[str, Any]]], seeds: list[int]
) -> pd.DataFrame:
    """Alternate the committed recipe and the candidates seed by seed; one row per run."""
    recipes = [("committed", {}), *candidates]
    rows = []
    for turn, seed in enumerate(seeds):
        for name, overrides in recipes[turn % len(recipes) :] + recipes[: turn % len(recipes)]:
            settings = {**overrides, "seed": seed}
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as job:
                row, _ = job.submit(run_recipe, name, cnn, split, 0, [], settings).result()
            row = {"seed": seed, **row}
            rows.append(row)
            print(", ".join(f"{k}: {v}" for k, v in row.items()), flush=True)
    return pd.DataFrame(rows)


def compare_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per recipe: seconds and their ratio to the committed recipe's, accuracies over seeds."""
    base = runs[runs["recipe"] == "committed"].set_index("seed")["train s"]
    rows = []
    for name, group in runs.groupby("recipe", sort=False):
        seconds = group.set_index("seed")["train s"]
        per_seed = base.reindex(seconds.index) / seconds
        rows.append(
            {
                "recipe": name,
                "seeds": len(group),
                "train s (mean)": round(seconds.mean(), 1),
                "speed-up per seed": ", ".join(f"{r:.2f}" for r in per_seed),
                "speed-up (sums)": round(base.reindex(seconds.index).sum() / seconds.sum(), 2),
                "best val % (mean ± std)": f"{group['best val %'].mean():.2f} ± "
                f"{group['best val %'].std():.2f}",
                "test % (mean ± std)": f"{group['test %'].mean():.2f} ± {group['test %'].std():.2f}",
                "test % per seed": ", ".join(f"{t:.2f}" for t in group["test %"]),
            }
        )
    return pd.DataFrame(rows)


def frontier_figure(runs: pd.DataFrame, target: float, title: str, budget: float | None = None):
    """Test accuracy against seconds of training, a point per run, a colour per recipe, and
    each recipe's 3-seed mean as a cross: the measured frontier, with a line at ``target`` %
    (and one at ``budget`` seconds of training, if given)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.subplots()
    for name, group in runs.groupby("recipe", sort=False):
        points = axes.scatter(group["train s"], group["test %"], s=25, alpha=0.6, label=name)
        axes.scatter(
            group["train s"].mean(),
            group["test %"].mean(),
            marker="X",
            s=120,
            color=points.get_facecolor()[0][:3],
            edgecolor="black",
        )
    axes.axhline(target, color="grey", linewidth=0.8, linestyle="--", label=f"{target}% (the target)")
    if budget:
        axes.axvline(
            budget, color="grey", linewidth=0.8, linestyle=":", label=f"{budget:g} s (the budget)"
        )
    axes.set(xlabel="seconds of training (validation included)", ylabel="test accuracy %")
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="data/split")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument(
        "--recipes",
        nargs="+",
        default=["plain", *RECIPES],
        choices=["plain", *RECIPES],
    )
    parser.add_argument("--plain-epochs", type=int, default=30)
    parser.add_argument("--targets", type=float, nargs="+", default=[0.92, 0.925])
    parser.add_argument("--csv", type=Path, help="write every epoch's (seconds, val accuracy)")
    parser.add_argument("--plot", type=Path, help="draw the curves into this PNG")
    parser.add_argument("--compare", type=candidate, action="append", default=[], metavar="C")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--runs-csv", type=Path, help="--compare: write every run's row here")
    parser.add_argument(
        "--replot",
        type=Path,
        help="a CSV of runs (--compare's --runs-csv, or docs/resnet_runs.csv): draw its --plot "
        "again, train nothing",
    )
    parser.add_argument("--target", type=float, default=92.5, help="the frontier's line, in %%")
    parser.add_argument("--title", help="the frontier's title (default: says what --compare ran)")
    parser.add_argument("--budget", type=float, help="the frontier's time budget line, in s")
    args = parser.parse_args()
    cnn = load_params(args.params).cnn
    hardware = detect_hardware()
    # the pipeline's kernel choice, in the environment every recipe's process inherits: the
    # recipes differ in what they compute only
    use_onednn_where_it_helps(hardware)
    print(
        f"device: CPU {hardware.cpu}; bf16 flags: "
        f"{sorted(hardware.cpu_flags & {'avx512_bf16', 'amx_bf16'}) or 'none'}; "
        f"oneDNN: {onednn_state(hardware)}; cnn.precision = {cnn.precision} -> "
        f"{resolve_precision(cnn.precision, hardware)}"
    )
    title = args.title or (
        f"Time to accuracy, one run alternating recipes; X = mean over seeds (CPU {hardware.cpu})"
    )
    if args.replot:
        runs = pd.read_csv(args.replot)
        frontier_figure(runs, args.target, title, args.budget).savefig(args.plot, dpi=100)
        return
    if args.compare:
        runs = compare(cnn, args.split, args.compare, args.seeds)
        if args.runs_csv:
            runs.to_csv(args.runs_csv, index=False)
        print("\n" + runs.to_markdown(index=False))
        print("\n" + compare_summary(runs).to_markdown(index=False))
        if args.plot:
            frontier_figure(runs, args.target, title, args.budget).savefig(args.plot, dpi=100)
        return
    rows, curves = [], []
    for name in args.recipes:
        # a new process for each recipe (spawned: nothing of TensorFlow's state is inherited)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as process:
            job = process.submit(run_recipe, name, cnn, args.split, args.plain_epochs, args.targets)
            row, curve = job.result()
        rows.append(row)
        curves += [
            {"recipe": name, "epoch": i + 1, "seconds": round(s, 2), "val_accuracy": a}
            for i, (s, a) in enumerate(curve)
        ]
        print(", ".join(f"{k}: {v}" for k, v in row.items()), flush=True)

    table = pd.DataFrame(rows)
    for column in table.columns:
        if column.startswith("s to val"):
            table[column] = table[column].map(lambda s: "never" if pd.isna(s) else f"{s:.1f}")
    print(
        f"\noneDNN in each recipe's process: {os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')} "
        f"({onednn_state(hardware)})"
    )
    print(table.to_markdown(index=False))
    frame = pd.DataFrame(curves)
    if args.csv:
        frame.to_csv(args.csv, index=False)
    if args.plot:
        from matplotlib.figure import Figure

        figure = Figure(figsize=(8, 4.5))
        axes = figure.subplots()
        for name, group in frame.groupby("recipe", sort=False):
            axes.plot(group["seconds"], 100 * group["val_accuracy"], marker=".", label=name)
        for target in args.targets:
            axes.axhline(100 * target, color="grey", linewidth=0.6, linestyle="--")
        axes.set(
            xlabel="seconds of training",
            ylabel="validation accuracy %",
            ylim=(88, 95),
            title=f"Time to accuracy, CPU {hardware.cpu}",
        )
        axes.legend()
        figure.savefig(args.plot, dpi=100, bbox_inches="tight")


if __name__ == "__main__":
    main()
