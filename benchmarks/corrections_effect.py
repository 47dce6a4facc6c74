"""What the corrected data version changes: both models trained on the original and on the
corrected Fashion-MNIST, scored on the original and on the corrected test labels.

    python -m benchmarks.corrections_effect [--seeds 42 1 2] [--corrections FILE]

For each CNN seed, trains the CNN (the committed params, ``cnn.seed`` replaced) on the split of
the original data and on the split with ``--corrections`` applied (the split stage's own code,
:func:`fmnist.data.split.split_dataset`), alternating the two; the SVM once on each. Every model
predicts the same 10,000 test images; each is scored on the original test labels (comparable
with the literature) and on the corrected ones, and McNemar's test compares each corrected
model with the original one of its seed on the original labels. Prints one row per model and
the mean ± std over seeds, with the CPU, commit and date.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import time

import numpy as np
import pandas as pd

from fmnist.data.content import image_ids
from fmnist.data.split import split_arrays, split_dataset
from fmnist.evaluation.stats import mcnemar
from fmnist.models.hardware import detect_hardware, tensorflow_gpus, use_onednn_where_it_helps
from fmnist.params import load_params
from fmnist.stage_runner import quiet_tensorflow_logs


def splits(params):
    data, split, _ = split_dataset(params)
    return split_arrays(data, split), data.classes


def row(model: str, version: str, seed: int, seconds: float, guess, labels) -> dict:
    scores = {f"acc {name} labels": float((guess == y).mean()) for name, y in labels.items()}
    return {"model": model, "trained on": version, "seed": seed, "train_s": seconds, **scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--corrections", default="data/corrections/fashion-mnist.csv")
    args = parser.parse_args()
    quiet_tensorflow_logs()
    use_onednn_where_it_helps(detect_hardware())
    from fmnist.models.svm import fit_svm
    from fmnist.models.training import train_cnn
    from fmnist.pictures.pixels import to_cnn_input, to_flat

    base = load_params("params.yaml")
    versions = {
        "original": base,
        "corrected": dataclasses.replace(
            base, data=dataclasses.replace(base.data, corrections=args.corrections)
        ),
    }
    data = {name: splits(params) for name, params in versions.items()}
    (original, classes), (corrected, _) = data["original"], data["corrected"]
    test_x = original["test"][0]
    assert np.array_equal(image_ids(test_x), image_ids(corrected["test"][0])), "test images differ"
    labels = {"original": original["test"][1], "corrected": corrected["test"][1]}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware(tensorflow_gpus()).device}; {os.cpu_count()} cores; commit "
          f"{commit.stdout.strip()}; {time.strftime('%Y-%m-%d')}; train images: original "
          f"{len(original['train'][1])}, corrected {len(corrected['train'][1])}; test labels "
          f"changed: {int((labels['original'] != labels['corrected']).sum())}")  # fmt: skip
    rows, predicted = [], {}
    for seed in args.seeds:
        for version in versions:  # alternated, each seed's pair back to back
            parts = data[version][0]
            params = dataclasses.replace(base.cnn, seed=seed)
            model, summary = train_cnn(
                params, seed, parts["train"], parts["val"], len(classes), verbose=0
            )
            guess = model.predict(to_cnn_input(test_x), batch_size=1024, verbose=0).argmax(1)
            predicted[("cnn", version, seed)] = guess
            rows.append(row("cnn", version, seed, summary["train_seconds"], guess, labels))
            print(rows[-1], flush=True)
    for version in versions:
        parts = data[version][0]
        pipeline, fit = fit_svm(base.svm, *parts["train"])
        guess = pipeline.predict(to_flat(test_x))
        predicted[("svm", version, base.svm.seed)] = guess
        rows.append(row("svm", version, base.svm.seed, fit["fit_seconds"], guess, labels))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(
        table.groupby(["model", "trained on"])[[c for c in table if c.startswith("acc")]]
        .agg(["mean", "std"])
        .round(4)
        .to_string()
    )
    for (model, version, seed), guess in predicted.items():
        if version == "corrected":
            before = predicted[(model, "original", seed)]
            test = mcnemar(before == labels["original"], guess == labels["original"])
            print(f"McNemar {model} seed {seed}, corrected vs original, original labels: {test}")


if __name__ == "__main__":
    main()
