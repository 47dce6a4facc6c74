"""The walk-through of docs/data.md with the real dvc CLI: your own folder dataset, versioned.

v1 of a 3-class folder of real Fashion-MNIST pictures -> ``dvc add`` -> ``dvc repro`` -> images
added, relabelled, deleted and renamed -> ``dvc status`` says the data changed -> ``fmnist data
diff`` lists exactly those changes -> ``dvc repro`` re-trains -> ``dvc metrics diff`` and ``dvc
plots diff`` -> ``git checkout v1 && dvc checkout`` -> v1's data and numbers again.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from fmnist.data.idx import read_idx
from tests.helpers import DEBIAN_DATA, FMNIST, require_real_data, small_run

pytestmark = pytest.mark.slow

CLASSES = {"bag": 8, "sneaker": 7, "trouser": 1}  # folder name -> Fashion-MNIST label
V1_PER_CLASS, ADDED_PER_CLASS = 120, 10


def real_pictures() -> dict[str, np.ndarray]:
    """Distinct real test images of each class, in the dataset's order."""
    images = read_idx(DEBIAN_DATA / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(DEBIAN_DATA / "t10k-labels-idx1-ubyte.gz")
    return {name: images[labels == label] for name, label in CLASSES.items()}


def save_pictures(folder, images, start: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images, start=start):
        Image.fromarray(image).save(folder / f"{i:04d}.png")


def data_files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.png"))}


def metrics(project) -> dict[str, float]:
    return {
        name: json.loads((project.path / "metrics" / f"{name}.json").read_text())["accuracy"]
        for name in ("cnn", "svm")
    }


def test_a_folder_dataset_versioned_diffed_retrained_and_checked_out_again(dvc_project):
    require_real_data()
    project = dvc_project()
    own = project.path / "data" / "own"
    pictures = real_pictures()
    for name, images in pictures.items():
        save_pictures(own / name, images[:V1_PER_CLASS], 0)
    project.set_params(
        data={"source": "folder", "path": "data/own", "classes": []},
        **small_run(train_limit=0, epochs=2),
    )
    project.dvc("add", "data/own")
    project.dvc("repro")
    project.commit("v1 of my dataset, trained")
    project.run("git", "tag", "v1")
    v1_files, v1_metrics = data_files(own), metrics(project)
    classes = json.loads((project.path / "metrics" / "data.json").read_text())["test"]["per_class"]
    assert list(classes) == ["bag", "sneaker", "trouser"]
    assert v1_metrics["cnn"] > 0.8 and v1_metrics["svm"] > 0.8  # 3 easy classes, 2 epochs
    shown = json.loads((project.path / "models" / "cnn.json").read_text())["classes"]
    assert shown == ["bag", "sneaker", "trouser"]  # what fmnist predict names its labels by

    # v2: 30 images added, 3 trousers relabelled as bags, 1 sneaker deleted, 1 bag renamed
    for name, images in pictures.items():
        save_pictures(own / name, images[V1_PER_CLASS : V1_PER_CLASS + ADDED_PER_CLASS], 500)
    for i in range(3):
        shutil.move(own / "trouser" / f"{i:04d}.png", own / "bag" / f"from-trouser-{i}.png")
    (own / "sneaker" / "0005.png").unlink()
    (own / "bag" / "0007.png").rename(own / "bag" / "renamed.png")

    status = json.loads(project.dvc("status", "--json").stdout)
    assert "split" in status  # its data changed: the stage and all after it are out of date
    assert {"changed deps": {"data/own": "modified"}} in status["split"]

    diff = json.loads(project.run(str(FMNIST), "data", "diff", "--json").stdout)
    assert diff["new_is_pending"] is True  # the version split would write now
    assert diff["counts"] == {
        "added": 30,
        "removed": 1,
        "relabelled": 3,
        "moved": 0,
        "relabelled+moved": 0,
    }  # fmt: skip: the renamed bag is the same image, not removed + added
    relabelled = [row for row in diff["images"] if row["change"] == "relabelled"]
    assert {(r["old_label"], r["new_label"]) for r in relabelled} == {("trouser", "bag")}
    assert diff["old_images"] == 360 and diff["new_images"] == 389

    project.dvc("add", "data/own")
    ran = project.dvc("repro").stdout
    assert "Running stage 'split'" in ran and "Running stage 'train_cnn'" in ran
    changed = json.loads(project.dvc("metrics", "diff", "v1", "--json").stdout)
    assert "accuracy" in changed["metrics/cnn.json"] and "accuracy" in changed["metrics/svm.json"]
    assert changed["metrics/cnn.json"]["accuracy"]["old"] == v1_metrics["cnn"]
    plots = json.loads(project.dvc("plots", "diff", "v1", "--json", "--split").stdout)["data"]
    [confusion] = plots["CNN confusion matrix (test)"]
    assert set(confusion["revisions"]) == {"v1", "workspace"}  # the two versions overlaid
    project.commit("v2 of my dataset, trained")
    print(f"walk-through accuracies: v1 {v1_metrics}, v2 {metrics(project)}")  # docs/data.md

    project.run("git", "checkout", "-q", "v1")
    project.dvc("checkout")
    assert data_files(own) == v1_files  # byte for byte
    assert metrics(project) == v1_metrics
    assert json.loads(project.dvc("status", "--json").stdout) == {}  # v1's outputs, up to date
