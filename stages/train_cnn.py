"""train_cnn stage: train the study's CNN on the train split, validating every epoch.

dvclive's ``DVCLiveCallback`` records per-epoch train/validation loss and accuracy; summary
metrics (best validation accuracy, epochs, seconds) go to the same dvclive metrics file. The
best-validation weights are kept and saved as ``.keras`` with the params and library versions
beside it (see :mod:`fmnist.models.training`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from dvclive import Live

from fmnist.data.split_files import CLASSES_FILE, load_classes, load_prepared, load_split
from fmnist.errors import Interrupted
from fmnist.files import atomic_path
from fmnist.models.hardware import detect_hardware, tensorflow_gpus, use_onednn_where_it_helps
from fmnist.params import load_params
from fmnist.provenance import write_model_meta
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split", required=True, help="directory of the split .npz files")
    parser.add_argument("--model", required=True, help="output .keras file")
    parser.add_argument("--meta", required=True, help="output JSON: params and versions")
    parser.add_argument("--live", required=True, help="dvclive directory")
    parser.add_argument("--state", required=True, help="directory to resume from (not an output)")
    args = parser.parse_args(argv)
    params = load_params(args.params)
    # the CPU kernels are chosen before TensorFlow loads, so its modules are imported here
    use_onednn_where_it_helps(detect_hardware())
    from dvclive.keras import DVCLiveCallback

    from fmnist.models.cnn import layer_filters
    from fmnist.models.resume import TrainingState
    from fmnist.models.training import train_cnn, training_fingerprint

    train, val = load_split(args.split, "train"), load_split(args.split, "val")
    classes = load_classes(args.split)
    architecture = (
        f"resnet, width {params.cnn.resnet_width}, blocks {params.cnn.resnet_blocks}"
        if params.cnn.arch == "resnet"
        else f"lenet, conv filters {layer_filters(params.cnn)}"
    )
    log.info(
        "train %s, val %s, %d classes, %s", train[0].shape, val[0].shape, len(classes), architecture
    )
    log.info("ignored for cnn.arch=%s: %s", params.cnn.arch, ", ".join(params.cnn.ignored_keys()))

    # a saved state is resumed only for the same params, precision, code and data
    hardware = detect_hardware(tensorflow_gpus())
    splits = [Path(args.split) / name for name in ("train.npz", "val.npz", CLASSES_FILE)]
    fingerprint = training_fingerprint(params.cnn, params.cnn.seed, hardware, splits)
    state = TrainingState(args.state, fingerprint)
    state.open()

    # dvclive writes into a temporary directory that replaces --live only when training ends:
    # an interrupted run never leaves curves that look like a finished run's
    try:
        with atomic_path(args.live) as live_dir:
            with Live(str(live_dir), dvcyaml=None, save_dvc_exp=False, report=None) as live:
                model, summary = train_cnn(
                    params.cnn,
                    params.cnn.seed,
                    train,
                    val,
                    len(classes),
                    [DVCLiveCallback(live=live)],
                    hardware=hardware,
                    state=state,
                )
                for name, value in summary.items():
                    if isinstance(value, str):  # precision, device, oneDNN: not plotted
                        live.summary[name] = value
                    else:
                        live.log_metric(name, value, plot=False)
            log.info("summary: %s", summary)
            with atomic_path(args.model) as tmp:
                model.save(tmp)
            prepared = load_prepared(args.split)
            write_model_meta(args.meta, args.model, classes, prepared, {"cnn": params.cnn}, summary)
    except Interrupted as exc:
        raise Interrupted(
            f"{exc}; epochs done so far are kept in {state.dir}: run again to resume"
        ) from None
    state.clear()


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
