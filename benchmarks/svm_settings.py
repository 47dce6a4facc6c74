"""Benchmark: test accuracy and seconds of several SVM settings on the real split.

    python benchmarks/svm_settings.py [--split data/split] [--params params.yaml]

Run `dvc repro split` first. Prints one line per setting: test accuracy, fit seconds, and the
seconds to predict the 10,000 test images. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses

from fmnist.data.split_files import load_split
from fmnist.models.svm import fit_svm, score_svm
from fmnist.params import load_params

SETTINGS = [  # changes to params.yaml's svm section
    {"features": "pixels", "pca_components": 50},
    {"features": "pixels", "pca_components": 120},
    {"features": "hog", "pca_components": 60},
    {"features": "pixels+hog", "pca_components": 60},
    {"features": "pixels+hog", "pca_components": 80},
    {"features": "pixels+hog", "pca_components": 80, "train_limit": 10_000},
    {"features": "pixels", "pca_components": 50, "train_limit": 10_000},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="data/split")
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()
    params = load_params(args.params)
    train, test = load_split(args.split, "train"), load_split(args.split, "test")
    print(f"{'setting':<48} {'test acc':>8} {'fit s':>7} {'pred s':>7} {'total s':>7}")
    for changes in SETTINGS:
        svm = dataclasses.replace(params.svm, **changes)
        pipeline, fit = fit_svm(svm, *train)
        score = score_svm(pipeline, *test)
        total = fit["fit_seconds"] + score["predict_seconds"]
        label = f"{svm.features} pca={svm.pca_components} C={svm.C:g} n={fit['train_images']}"
        print(
            f"{label:<48} {score['accuracy']:8.4f} {fit['fit_seconds']:7.1f} "
            f"{score['predict_seconds']:7.1f} {total:7.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
