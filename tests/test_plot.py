import struct

import numpy as np
import pandas as pd

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.split_files import save_classes, save_split
from fmnist.evaluation.figures import SIZES
from stages import plot as plot_stage
from tests.helpers import balanced_labels, synthetic_images


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def write_inputs(tmp_path):
    labels = balanced_labels(5)
    split = tmp_path / "split"
    split.mkdir()
    save_split(split / "test.npz", synthetic_images(labels), labels)
    save_classes(split, FASHION_MNIST_CLASSES)
    live = tmp_path / "live" / "plots" / "metrics"
    for part in ("train", "eval"):
        (live / part).mkdir(parents=True)
        for metric, values in (("loss", [0.9, 0.5, 0.4]), ("accuracy", [0.7, 0.8, 0.85])):
            pd.DataFrame({"step": range(3), metric: values}).to_csv(
                live / part / f"{metric}.tsv", sep="\t", index=False
            )
    predictions = tmp_path / "predictions"
    predictions.mkdir()
    names = np.array(FASHION_MNIST_CLASSES)
    rng = np.random.default_rng(0)
    rows = []
    for model, error_rate in (("cnn", 0.1), ("svm", 0.3)):
        predicted = np.where(rng.random(len(labels)) < error_rate, (labels + 1) % 10, labels)
        pd.DataFrame(
            {"index": range(len(labels)), "actual": names[labels], "predicted": names[predicted]}
        ).to_csv(predictions / f"{model}.csv", index=False)
        rows += [
            {
                "model": model,
                "class": c,
                "precision": 0.9,
                "recall": 1 - error_rate,
                "f1": 0.9,
                "support": 5,
            }
            for c in FASHION_MNIST_CLASSES
        ]
    pd.DataFrame(rows).to_csv(tmp_path / "per_class.csv", index=False)
    return split


def plot_args(tmp_path, params, split):
    return [
        "--params",
        str(params),
        "--split",
        str(split),
        "--live",
        str(tmp_path / "live"),
        "--predictions",
        str(tmp_path / "predictions"),
        "--per-class",
        str(tmp_path / "per_class.csv"),
        "--out",
        str(tmp_path / "plots"),
    ]


def test_plot_stage_writes_every_png_at_its_declared_size(tmp_path, params_file):
    split = write_inputs(tmp_path)
    params = params_file(plot={"misclassified_grid": 3, "dpi": 60})
    out = tmp_path / "plots"
    plot_stage.main(plot_args(tmp_path, params, split))
    assert sorted(p.name for p in out.iterdir()) == sorted(SIZES)
    for name, (width, height) in SIZES.items():
        path = out / name
        assert png_size(path) == (round(width * 60), round(height * 60)), name
        assert path.stat().st_size > 5_000, name  # real content, not a blank canvas


def test_missing_predictions_is_one_clear_error(tmp_path, params_file, capsys):
    split = write_inputs(tmp_path)
    (tmp_path / "predictions" / "svm.csv").unlink()
    code = plot_stage.run_stage(plot_stage.main, plot_args(tmp_path, params_file(), split))
    assert code == 2
    assert "svm.csv: file not found (run `dvc repro evaluate` to write it)" in capsys.readouterr().err
    assert not (tmp_path / "plots").exists()


def test_per_class_bars_take_each_models_colour_of_every_figure(tmp_path):
    """The CNN is drawn in one colour, the SVM in another, the same as in the study report."""
    from matplotlib.colors import to_hex

    from fmnist.evaluation.figures import per_class_figure
    from fmnist.models.kinds import MODELS

    write_inputs(tmp_path)
    per_class = pd.read_csv(tmp_path / "per_class.csv")
    (ax,) = per_class_figure(per_class, FASHION_MNIST_CLASSES).axes
    colours = {to_hex(bar.get_facecolor()) for bar in ax.containers[0]}
    assert colours == {MODELS["cnn"].colour}
    assert {to_hex(bar.get_facecolor()) for bar in ax.containers[1]} == {MODELS["svm"].colour}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CNN", "SVM"]
