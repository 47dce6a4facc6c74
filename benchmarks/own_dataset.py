"""The whole pipeline on a real image dataset that a package ships: scikit-learn's digits.

    python -m benchmarks.own_dataset [--keep DIR]

scikit-learn ships the UCI optical digits (1,797 8x8 images, 10 classes, values 0-16) inside its
wheel (``sklearn.datasets.load_digits``, no download). This script copies the project's
committed files into a temporary git repo, writes the digits as a folder dataset
(``data/own/<digit>/<n>.png``, 0-16 scaled to 0-255) less the pictures the data holds under two
labels once made 28x28 (the split stage refuses them, naming each pair: trimming makes a digit
drawn at two places of its 8x8 box one image), ``dvc add``s it, sets ``data.source:
folder`` and runs ``dvc repro`` with every other param at its default, as a user bringing their
own data would. It prints the split's counts, both models' test accuracy and macro-F1, the
training seconds, the wall time of ``dvc repro``, and the CPU, commit and date.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image
from sklearn.datasets import load_digits

from fmnist.dvc_adapter import run_dvc
from fmnist.inference.images import fashion_mnist_like
from fmnist.models.hardware import detect_hardware

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for rel in files.stdout.split():
        if rel.startswith(("metrics/", "plots/", "dvclive/", "reports/")) or rel == "dvc.lock":
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


def write_digits(folder: Path) -> tuple[int, int]:
    """The digits as class folders of PNGs, less every picture whose 28x28 preparation is also
    one of another label's (the split refuses those, naming them); (written, left out)."""
    digits = load_digits()
    pixels = np.round(digits.images * 255 / 16).astype(np.uint8)  # light digit on black, 8x8
    prepared = [fashion_mnist_like(image).image.tobytes() for image in pixels]
    labels_of: dict[bytes, set[int]] = {}
    for key, label in zip(prepared, digits.target, strict=True):
        labels_of.setdefault(key, set()).add(int(label))
    written = 0
    for i, (image, label) in enumerate(zip(pixels, digits.target, strict=True)):
        if len(labels_of[prepared[i]]) > 1:
            continue
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / str(label) / f"{i:04d}.png")
        written += 1
    return written, len(pixels) - written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="run in this new folder and keep it")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fmnist-digits-") as tmp:
        repo = args.keep or Path(tmp)
        repo.mkdir(parents=True, exist_ok=True)
        copy_project(repo)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
        git("init", "-q", "-b", "main")
        git("config", "user.email", "bench@example.com")
        git("config", "user.name", "bench")
        count, left_out = write_digits(repo / "data" / "own")
        params = yaml.safe_load((repo / "params.yaml").read_text())
        params["data"] = {"source": "folder", "path": "data/own", "classes": []}
        (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        run_dvc(["add", "-q", "data/own"], cwd=repo, env=env)
        git("add", "-A")
        git("commit", "-qm", "sklearn digits as a folder dataset")
        start = time.perf_counter()
        run_dvc(["repro"], cwd=repo, env=env)
        seconds = time.perf_counter() - start
        read = lambda name: json.loads((repo / "metrics" / name).read_text())  # noqa: E731
        split = {name: part["total"] for name, part in read("data.json").items()}
        print(f"scikit-learn digits: {count} pictures (8x8) as a folder ({left_out} left out: the "
              f"same 28x28 image under two labels); split {split}; "
              f"dvc repro {seconds:.0f} s")  # fmt: skip
        for model, train in (("cnn", "train_seconds"), ("svm", "fit_seconds")):
            metrics = read(f"{model}.json")
            low, high = metrics["accuracy_ci95"]
            print(f"{model}: test accuracy {metrics['accuracy']:.2%} (95% CI {low:.2%}-{high:.2%}), "
                  f"macro-F1 {metrics['macro_f1']:.4f}, weakest {metrics['weakest_class']} "
                  f"({metrics['weakest_class_recall']:.2f}); training {metrics['train_seconds']} s "
                  f"({train})")  # fmt: skip


if __name__ == "__main__":
    main()
