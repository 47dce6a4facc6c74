"""export stage: the trained CNN as a TensorFlow SavedModel and an ONNX file, for serving tools.

Both are written by Keras' ``model.export`` and checked against the Keras model on the test
images before they are kept (see :mod:`fmnist.models.export`); ``<out>/export.json`` records
the formats, the input they expect and the parity numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence

from fmnist.data.split_files import load_split
from fmnist.files import atomic_path
from fmnist.models.hardware import detect_hardware, use_onednn_where_it_helps
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the trained .keras file")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--out", required=True, help="output directory")
    args = parser.parse_args(argv)
    images, labels = load_split(args.split, "test")
    use_onednn_where_it_helps(detect_hardware())  # before TensorFlow is imported
    from fmnist.models.cnn_file import load_cnn_model
    from fmnist.models.export import export_cnn

    logging.getLogger("tf2onnx").setLevel(logging.WARNING)  # its every optimisation pass
    model = load_cnn_model(args.model)
    with atomic_path(args.out) as tmp:
        tmp.mkdir()
        record = export_cnn(model, tmp, images, labels)
        (tmp / "export.json").write_text(json.dumps(record, indent=2) + "\n")
    log.info("exported to %s: %s", args.out, record)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
