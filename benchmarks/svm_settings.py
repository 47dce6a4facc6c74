"""Benchmark: test accuracy and seconds of several SVM settings on the real split.

    python benchmarks/svm_settings.py [--split data/split] [--limit N]

Run `dvc repro split` first. Prints one line per setting: test accuracy, fit seconds, and the
seconds to predict the 10,000 test images. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from stages.dataset import load_split, to_flat
from stages.params import load_params
from stages.svm import build_svm
from stages.train_svm import limit_training_set

SETTINGS = [  # changes to params.yaml's svm section
    {"features": "pixels", "pca_components": 50},
    {"features": "pixels", "pca_components": 120},
    {"features": "hog", "pca_components": 60},
    {"features": "pixels+hog", "pca_components": 60},
    {"features": "pixels+hog", "pca_components": 80},
    {"features": "pixels+hog", "pca_components": 80, "train_limit": 10_000},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="data/split")
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()
    params = load_params(args.params)
    base, seed = params["svm"], params["base"].seed
    train = load_split(args.split, "train")
    test_images, test_labels = load_split(args.split, "test")
    print(f"{'setting':<62} {'acc':>7} {'fit s':>7} {'pred s':>7} {'total':>7}")
    for changes in SETTINGS:
        svm = dataclasses.replace(base, **changes)
        images, labels = limit_training_set(*train, svm.train_limit, seed)
        pipeline = build_svm(svm, seed)
        start = time.perf_counter()
        pipeline.fit(to_flat(images), labels)
        fit = time.perf_counter() - start
        start = time.perf_counter()
        accuracy = np.mean(pipeline.predict(to_flat(test_images)) == test_labels)
        predict = time.perf_counter() - start
        label = f"{svm.features} pca={svm.pca_components} C={svm.C:g} n={len(labels)}"
        print(
            f"{label:<62} {accuracy:7.4f} {fit:7.1f} {predict:7.1f} {fit + predict:7.1f}", flush=True
        )


if __name__ == "__main__":
    main()
