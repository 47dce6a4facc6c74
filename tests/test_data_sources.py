"""Your own datasets: folders of pictures, Kaggle-style CSV and IDX files, with 3 and 47 classes,
and the one-line error of each kind of bad data (nothing half-written)."""

import json

import numpy as np
import pytest
from PIL import Image

from fmnist.data.idx import write_idx
from fmnist.data.split_files import load_classes, load_split
from fmnist.errors import DataError
from fmnist.pictures.prepare import fashion_mnist_like
from fmnist.pictures.read import read_picture
from fmnist.stage_runner import run_stage
from stages import split as split_stage
from tests.helpers import balanced_labels, read_data, split_args, synthetic_images

FORMATS = ("png", "jpg", "bmp", "gif", "webp", "tiff")


def item_picture(label: int, seed: int, size: int = 28) -> np.ndarray:
    """A grey picture, dark on white like a product photo, whose item depends on the label and
    ``seed``: a bar at a label-dependent row, a little noise."""
    rng = np.random.default_rng(seed)
    image = np.full((28, 28), 255, np.uint8)
    image[4 + 2 * (label % 10) : 7 + 2 * (label % 10), 3 + label // 10 * 3 : 25] = rng.integers(0, 60)
    image[rng.integers(0, 28, 5), rng.integers(0, 28, 5)] = rng.integers(100, 200, 5)
    return np.asarray(Image.fromarray(image).resize((size, size)))


def write_folder(root, per_class: dict[str, int], start: int = 0, colour: bool = False):
    """Class folders of pictures in every format, of varying sizes; returns the paths."""
    paths = []
    for label, (name, count) in enumerate(sorted(per_class.items())):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            pixels = item_picture(label, start + 1000 * label + i, size=28 + 7 * (i % 4))
            picture = Image.fromarray(pixels)
            if colour:
                picture = picture.convert("RGB")
            path = root / name / f"{start + i}.{FORMATS[i % len(FORMATS)]}"
            picture.save(path)
            paths.append(path)
    return paths


def write_csv(path, labels, images, header=True):
    columns = ["label"] + [f"pixel{i}" for i in range(1, 785)]
    rows = [",".join(map(str, [y, *x.ravel()])) for x, y in zip(images, labels, strict=True)]
    path.write_text("\n".join(([",".join(columns)] if header else []) + rows) + "\n")


def test_a_folder_pool_of_three_classes_in_six_formats(tmp_path):
    paths = write_folder(tmp_path / "own", {"sock": 6, "hat": 6, "bag": 6}, colour=True)
    data = read_data("folder", tmp_path / "own", [])
    assert data.classes == ("bag", "hat", "sock")  # sorted, as Keras sorts them
    assert len(data) == 18 and set(data.origins) == {"pool"}
    assert np.bincount(data.labels).tolist() == [6, 6, 6]
    # each picture prepared exactly as fmnist predict prepares it
    first = list(data.names).index(str(paths[0]))
    expected = fashion_mnist_like(read_picture(paths[0])).image
    np.testing.assert_array_equal(data.images[first], expected)
    assert {p.suffix for p in paths} == {f".{f}" for f in FORMATS}


def test_a_folder_with_train_and_test_apart_and_files_that_are_not_pictures(tmp_path):
    write_folder(tmp_path / "own" / "train", {"a": 4, "b": 4})
    write_folder(tmp_path / "own" / "test", {"a": 2, "b": 2}, start=500)
    (tmp_path / "own" / "train" / "a" / "notes.txt").write_text("not a picture")
    (tmp_path / "own" / "train" / "a" / ".hidden.png").write_bytes(b"junk")
    data = read_data("folder", tmp_path / "own", [])
    assert data.classes == ("a", "b")
    assert (data.origins == "train").sum() == 8 and (data.origins == "test").sum() == 4


def test_csv_with_47_classes_as_a_pool_and_as_train_and_test(tmp_path):
    classes = [f"class{i:02d}" for i in range(47)]
    labels = balanced_labels(4, classes=47)
    images = np.random.default_rng(0).integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    write_csv(tmp_path / "pool.csv", labels, images)
    data = read_data("csv", tmp_path / "pool.csv", classes)
    assert data.classes == tuple(classes) and len(data) == 188
    np.testing.assert_array_equal(data.images, images)
    np.testing.assert_array_equal(data.labels, labels)
    (tmp_path / "kaggle").mkdir()
    write_csv(tmp_path / "kaggle" / "fashion-mnist_train.csv", labels[:150], images[:150])
    write_csv(tmp_path / "kaggle" / "fashion-mnist_test.csv", labels[150:], images[150:])
    apart = read_data("csv", tmp_path / "kaggle", classes)
    assert (apart.origins == "test").sum() == 38 and apart.names[0].endswith("train.csv:2")


def test_idx_files_without_a_test_pair_are_one_pool(tmp_path):
    labels = balanced_labels(5, classes=3)
    write_idx(tmp_path / "train-images-idx3-ubyte", synthetic_images(labels))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    data = read_data("idx", tmp_path, ["x", "y", "z"])
    assert set(data.origins) == {"pool"} and data.classes == ("x", "y", "z") and len(data) == 15


def test_the_split_stage_on_47_classes_writes_their_names_and_counts(tmp_path, params_file):
    classes = [f"c{i}" for i in range(47)]
    labels = balanced_labels(30, classes=47)
    images = np.random.default_rng(1).integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    write_csv(tmp_path / "d.csv", labels, images)
    params = params_file(data={"source": "csv", "path": str(tmp_path / "d.csv"), "classes": classes})
    out, metrics = tmp_path / "split", tmp_path / "data.json"
    assert (
        run_stage(
            split_stage.main,
            split_args(params, tmp_path),
        )
        == 0
    )
    assert load_classes(out) == tuple(classes)
    counts = json.loads(metrics.read_text())
    assert sum(counts[s]["total"] for s in ("train", "val", "test")) == 47 * 30
    assert list(counts["test"]["per_class"]) == classes
    assert 0.1 < counts["test"]["total"] / (47 * 30) < 0.2  # split.test_fraction 0.15
    _, train_labels = load_split(out, "train")
    assert set(train_labels.tolist()) == set(range(47))


def bad_folder(tmp_path, kind):
    root = tmp_path / "own"
    write_folder(root, {"a": 3, "b": 3})
    if kind == "unreadable":
        (root / "a" / "x.png").write_bytes(b"not a png")
        (root / "b" / "y.jpg").write_bytes(b"")
    elif kind == "empty class":
        (root / "c").mkdir()
    elif kind == "two labels":
        (root / "b" / "copy.png").write_bytes((root / "a" / "0.png").read_bytes())
    elif kind == "no images":
        for path in root.rglob("*.*"):
            path.unlink()
    elif kind == "single class":
        for path in (root / "b").iterdir():
            path.unlink()
        (root / "b").rmdir()
    elif kind == "test only class":
        root = tmp_path / "apart"
        write_folder(root / "train", {"a": 3, "b": 3})
        write_folder(root / "test", {"a": 1, "b": 1, "zebra": 1}, start=50)
    return root


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "unreadable",
            r"^2 picture\(s\) cannot be read: \S+/own/a/x\.png: not an image file Pillow can "
            r"read; \S+/own/b/y\.jpg: empty file$",
        ),
        ("empty class", r"^an empty class folder \(no pictures\): \S+/own/c$"),
        (
            "two labels",
            r"^\S+/own: the same 28x28 image under two labels: \S+/own/a/0\.png \(a\) and "
            r"\S+/own/b/copy\.png \(b\); 1 such pair\(s\) in all; data\.conflicts: drop leaves "
            r"them out$",
        ),
        ("no images", r"^\S+/own: no pictures in any class folder$"),
        ("single class", r"^\S+/own: 1 class \(a\); a classifier needs at least 2$"),
        ("test only class", r"^\S+/apart/test: class zebra is in test but not in \S+/apart/train$"),
    ],
)
def test_bad_folders_are_one_line_naming_the_files(tmp_path, kind, message):
    with pytest.raises(DataError, match=message):
        read_data("folder", bad_folder(tmp_path, kind), [])


def csv_text(rows):
    header = ",".join(["label"] + [f"pixel{i}" for i in range(1, 785)])
    return "\n".join([header, *rows]) + "\n"


GOOD = ",".join(["1"] + ["0"] * 784)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [GOOD, GOOD + ",7"],
            r"Expected 785 fields in line 3, saw 786 \(expected 785: label, pixel1",
        ),
        ([GOOD, ",".join(["1"] + ["0"] * 700)], r"line 3 has no value in column pixel701"),
        (
            [GOOD, ",".join(["1", "3.5"] + ["0"] * 783)],
            r"line 3, column pixel1: 3\.5 is not an integer from 0 to 255",
        ),
        (
            [",".join(["1", "x"] + ["0"] * 783)],
            r"line 2, column pixel1: 'x' is not an integer from 0 to 255",
        ),
        ([",".join(["1", "256"] + ["0"] * 783)], r"line 2, column pixel1: 256 is not an integer"),
        (
            [GOOD, ",".join(["3"] + ["0"] * 784)],
            r"line 3: label 3 is outside 0-2 \(data\.classes names 3 classes\)",
        ),
    ],
)
def test_bad_csv_rows_are_one_line_naming_the_file_and_line(tmp_path, rows, message):
    path = tmp_path / "d.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataError, match=rf"^{tmp_path}/d\.csv: .*{message}"):
        read_data("csv", path, ["a", "b", "c"])


def test_a_bad_dataset_leaves_no_split_behind(tmp_path, params_file, capsys):
    root = bad_folder(tmp_path, "empty class")
    params = params_file(data={"source": "folder", "path": str(root), "classes": []})
    out, metrics = tmp_path / "split", tmp_path / "data.json"
    code = run_stage(
        split_stage.main,
        split_args(params, tmp_path),
    )
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: an empty class folder (no pictures): {root}/c"
    ]
    assert not out.exists() and not metrics.exists() and not (tmp_path / "excluded.csv").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"source": "csv", "classes": []},
            r"data\.classes = \[\] is not allowed; data\.source 'csv' needs the class names",
        ),
        (
            {"source": "folder", "classes": ["a", "b"]},
            r"expected \[\] for data\.source 'folder', whose classes are its sub-folder names",
        ),
        ({"source": "idx", "classes": ["a", "a"]}, r"expected distinct, non-empty names"),
        (
            {"source": "packed", "classes": ["a", "b"]},
            r"expected \[\] for data\.source 'packed', whose classes are the ones its packed",
        ),
        (
            {"source": "images"},
            r"data\.source = 'images' is not allowed; expected one of 'fashion-mnist'",
        ),
    ],
)
def test_data_params_are_checked_up_front(params_file, data, message):
    from fmnist.errors import ParamsError
    from fmnist.params import load_params

    with pytest.raises(ParamsError, match=message):
        load_params(params_file(data=data))


def test_conflicts_dropped_are_named_listed_counted_and_shown_by_the_audit(
    tmp_path, params_file, caplog
):
    from fmnist.audit.table import excluded_rows
    from fmnist.data.split_files import load_excluded

    root = tmp_path / "own"
    write_folder(root, {"a": 20, "b": 20})
    (root / "b" / "copy.png").write_bytes((root / "a" / "0.png").read_bytes())
    Image.new("L", (40, 30), 255).save(root / "a" / "blank.png")  # nothing left once prepared
    data = {"source": "folder", "path": str(root), "classes": [], "conflicts": "drop"}
    params = params_file(data=data, split={"train_limit": 0})
    out, metrics, excluded = tmp_path / "split", tmp_path / "data.json", tmp_path / "excluded.csv"
    assert run_stage(split_stage.main, split_args(params, tmp_path)) == 0
    rows = excluded.read_text().splitlines()
    assert rows[0] == "name,image,label,reason" and len(rows) == 4
    assert [row.split(",")[3] for row in rows[1:]] == ["label_conflict", "empty", "label_conflict"]
    assert {row.split(",")[0] for row in rows[1:]} == {
        f"{root}/a/0.png",
        f"{root}/a/blank.png",
        f"{root}/b/copy.png",
    }
    counts = json.loads(metrics.read_text())
    assert counts["excluded"] == {"empty": 1, "label_conflict": 2}
    assert sum(counts[s]["total"] for s in ("train", "val", "test")) == 40 - 1
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("excluded")]
    assert len(logged) == 3 and f"{root}/b/copy.png (b, image " in logged[2]
    findings = excluded_rows(*load_excluded(out), load_classes(out))
    assert findings[["split", "kind", "given_label"]].values.tolist() == [
        ["excluded", "label_conflict", "a"], ["excluded", "empty", "a"],
        ["excluded", "label_conflict", "b"],
    ]  # fmt: skip
    assert findings["image"][0] == findings["image"][2]
