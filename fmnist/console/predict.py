"""``fmnist predict``: classify people's own images with the trained models.

fmnist predict shoe.jpg photos/ t10k-images-idx3-ubyte.gz --model both --top-k 3
"""

from __future__ import annotations

import argparse
import logging
import sys

from fmnist.errors import DataError
from fmnist.files import atomic_path
from fmnist.models.hardware import detect_hardware, use_onednn_where_it_helps
from fmnist.pictures.prepare import INVERT_CHOICES, PREPARATIONS

HELP = "classify your own images with the trained models"
DESCRIPTION = (
    "Classify images with the trained CNN and/or SVM: top-k labels per image as CSV or JSON. "
    "Exit 0, 1 when some inputs were skipped (one stderr line each, the others classified), "
    "2 when nothing could be classified."
)
log = logging.getLogger("fmnist")
SOME_SKIPPED_EXIT = 1  # results written for the readable inputs; a line on stderr for each other


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        help="image files (PNG, JPEG, anything Pillow reads), folders of them (recursive), "
        "IDX files (.gz or not), .npz files with an 'images' array",
    )
    parser.add_argument(
        "--model",
        choices=("cnn", "svm", "both"),
        default="cnn",
        help="cnn (default): scores are softmax probabilities; svm: scores are the SVC's "
        "one-vs-rest votes (duels won, 0 to classes-1, plus a confidence in (-1/3, 1/3)), "
        "not probabilities",
    )
    parser.add_argument(
        "--top-k",
        type=int,
        default=3,
        help="labels per image (default 3; at most the model's classes are given)",
    )
    parser.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="csv (default): one row per "
        "image and model; json: a list of the same rows, each with its top labels as a list",
    )
    parser.add_argument("--out", help="write here (atomically) instead of stdout")
    parser.add_argument(
        "--prepare",
        choices=tuple(PREPARATIONS),
        help="how a picture becomes 28x28 (default: as the model's training pictures were, "
        "which its record says: data.prepare)",
    )
    parser.add_argument(
        "--invert",
        choices=INVERT_CHOICES,
        help="make the item light on dark like Fashion-MNIST; auto: when the border is light "
        "(a transparent picture is laid on white, or on black with no: a light item); default: "
        "as the model's record says (data.invert)",
    )
    parser.add_argument(
        "--rev",
        help="use the models of this git revision or DVC experiment (read through DVC's cache "
        "or remote) instead of the workspace's",
    )


def run(args: argparse.Namespace) -> int:
    """Classify the inputs; exit 0, or 1 when some inputs were skipped (each said on stderr)."""
    import dataclasses

    from fmnist.inference.inputs import expand, read_all

    if args.top_k < 1:
        raise DataError(f"--top-k: {args.top_k} is not 1 or more")
    # the models first (a bad model file is the error to say; their records say how their
    # pictures were prepared); the CPU kernels are chosen before TensorFlow loads
    use_onednn_where_it_helps(detect_hardware())
    from fmnist.inference.classifiers import load_scorers, preparation
    from fmnist.inference.predict import as_records, predictions_table

    models = ["cnn", "svm"] if args.model == "both" else [args.model]
    scorers = load_scorers(models, args.rev)
    spec = preparation(scorers)
    spec = dataclasses.replace(spec, how=args.prepare or spec.how, invert=args.invert or spec.invert)
    log.info("pictures prepared: %s, invert %s", spec.how, spec.invert)
    files, skipped = expand(args.inputs)
    items = []
    for result in read_all(files, spec):
        if isinstance(result, Exception):
            skipped.append(result)
        else:
            items.extend(result)
    for problem in skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    for item in items:
        if item.warning:
            print(f"warning: {item.source}: {item.warning}", file=sys.stderr)
    if not items:
        raise DataError("no image to classify: every input was skipped")

    table = predictions_table(items, scorers, args.top_k)
    if args.format == "csv":
        text = table.to_csv(index=False)
    else:
        import json

        text = json.dumps(as_records(table), indent=2) + "\n"
    if args.out:
        with atomic_path(args.out) as tmp:
            tmp.write_text(text)
    else:
        sys.stdout.write(text)
    inverted = int(table.loc[table["model"] == models[0], "inverted"].sum())
    log.info(
        "%d images classified, %d inverted, %d inputs skipped", len(items), inverted, len(skipped)
    )
    return SOME_SKIPPED_EXIT if skipped else 0
