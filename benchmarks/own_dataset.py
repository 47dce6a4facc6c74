"""The whole pipeline on a real image dataset that a package ships: scikit-learn's digits, as a
user would bring them, with each picture preparation.

    python -m benchmarks.own_dataset [--prepare fashion-mnist fit stretch] [--sides 8 16 ...]
        [--sheet DIR] [--keep DIR] [-S cnn.augment_flip=false ...]

scikit-learn ships the UCI optical digits (1,797 8x8 images, 10 classes, values 0-16) inside its
wheel (``sklearn.datasets.load_digits``, no download). This script copies the project's committed
files into a temporary git repo and writes the digits as a folder dataset
(``data/own/<digit>/<n>.<format>``) the way people's folders come: light digits on black, 0-16
scaled to 0-255, each picture in one of six formats (png, jpg, gif, webp, bmp, tiff, in turn) and
at one of ``--sides`` in turn (default 8, 16, 28, 32 and 64 px, enlarged bicubically). It ``dvc
add``s the folder, sets ``data.source: folder`` and ``data.conflicts: drop`` (pictures that become
one 28x28 image under two labels are left out, each named), then for each ``--prepare`` sets
``data.prepare`` and runs ``dvc repro`` with every other param at its default (or as ``-S`` sets
it). For each it prints the split's counts, what was excluded, both models' test accuracy and
macro-F1, the training seconds and the wall time of ``dvc repro``; first the CPU, cores, commit
and date. ``--sheet DIR`` draws ``DIR/digits_<prepare>.png``: the first ten training images of
each class as the split wrote them.
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
from fmnist.models.hardware import detect_hardware
from fmnist.pictures.prepare import PREPARATIONS

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("png", "jpg", "gif", "webp", "bmp", "tiff")
SIDES = (8, 16, 28, 32, 64)


def copy_project(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for rel in files.stdout.split():
        if rel.startswith(("metrics/", "plots/", "dvclive/", "reports/")) or rel == "dvc.lock":
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


def write_digits(folder: Path, sides: tuple[int, ...] = SIDES) -> int:
    """The digits as class folders of pictures in mixed formats and sizes; how many."""
    digits = load_digits()
    pixels = np.round(digits.images * 255 / 16).astype(np.uint8)  # light digit on black, 8x8
    for i, (image, label) in enumerate(zip(pixels, digits.target, strict=True)):
        side = sides[i % len(sides)]
        picture = Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC)
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        picture.save(folder / str(label) / f"{i:04d}.{FORMATS[i % len(FORMATS)]}")
    return len(pixels)


def digits_sheet(split_dir: Path, how: str, path: Path) -> None:
    """The first ten training images of each class, a row per class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from fmnist.data.split_files import load_classes, load_split

    images, labels = load_split(split_dir, "train")
    classes = load_classes(split_dir)
    figure, axes = plt.subplots(len(classes), 10, figsize=(6, 0.62 * len(classes)), squeeze=False)
    for label, row in enumerate(axes):
        for axis, index in zip(row, np.flatnonzero(labels == label)[:10], strict=False):
            axis.imshow(images[index], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        for axis in row:
            axis.axis("off")
        row[0].set_title(classes[label], fontsize=6, loc="left")
    figure.suptitle(f"scikit-learn's digits as the split wrote them, data.prepare: {how}", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def set_param(params: dict, dotted: str) -> None:
    key, value = dotted.split("=", 1)
    section, name = key.split(".", 1)
    params[section][name] = yaml.safe_load(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", nargs="+", choices=tuple(PREPARATIONS), default=["fit"])
    parser.add_argument("--sides", nargs="+", type=int, default=list(SIDES), help="picture sides")
    parser.add_argument("--sheet", type=Path, help="draw digits_<prepare>.png of each here")
    parser.add_argument("-S", dest="set", action="append", default=[], help="section.key=value")
    parser.add_argument("--keep", type=Path, help="run in this new folder and keep it")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}; params changed: {args.set or 'none'}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fmnist-digits-") as tmp:
        repo = args.keep or Path(tmp)
        repo.mkdir(parents=True, exist_ok=True)
        copy_project(repo)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
        git("init", "-q", "-b", "main")
        git("config", "user.email", "bench@example.com")
        git("config", "user.name", "bench")
        count = write_digits(repo / "data" / "own", tuple(args.sides))
        run_dvc(["add", "-q", "data/own"], cwd=repo, env=env)
        git("add", "-A")
        git("commit", "-qm", "sklearn digits as a folder dataset")
        print(f"scikit-learn digits: {count} pictures, light on black, formats {FORMATS}, "
              f"sides {tuple(args.sides)} px")  # fmt: skip
        for how in args.prepare:
            params = yaml.safe_load((repo / "params.yaml").read_text())
            params["data"].update(source="folder", path="data/own", prepare=how, conflicts="drop")
            for dotted in args.set:
                set_param(params, dotted)
            (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
            start = time.perf_counter()
            run_dvc(["repro"], cwd=repo, env=env)
            seconds = time.perf_counter() - start
            read = lambda name: json.loads((repo / "metrics" / name).read_text())  # noqa: E731
            data = read("data.json")
            split = {name: data[name]["total"] for name in ("train", "val", "test")}
            print(f"data.prepare {how}: split {split}, excluded {data['excluded']}; "
                  f"dvc repro {seconds:.0f} s")  # fmt: skip
            if args.sheet:
                digits_sheet(repo / "data" / "split", how, args.sheet / f"digits_{how}.png")
            for model, train in (("cnn", "train_seconds"), ("svm", "fit_seconds")):
                metrics = read(f"{model}.json")
                low, high = metrics["accuracy_ci95"]
                print(f"  {model}: test accuracy {metrics['accuracy']:.2%} "
                      f"(95% CI {low:.2%}-{high:.2%}), macro-F1 {metrics['macro_f1']:.4f}, "
                      f"weakest {metrics['weakest_class']} "
                      f"({metrics['weakest_class_recall']:.2f}); training "
                      f"{metrics['train_seconds']} s ({train})")  # fmt: skip


if __name__ == "__main__":
    main()
