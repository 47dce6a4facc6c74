"""fmnist data diff: images known by their pixels, and every kind of change between versions."""

import json

import numpy as np
import pytest

from fmnist.data.versions import DataVersion, change_caption, diff_versions, image_ids
from tests.helpers import balanced_labels, synthetic_images

CLASSES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]


def images(n, seed):
    return synthetic_images(balanced_labels(n // 10, seed), seed)


def version(train, val, test, classes=CLASSES):
    return DataVersion.from_arrays({"train": train, "val": val, "test": test}, classes)


def test_an_image_is_known_by_its_pixels_only():
    x = images(30, 1)
    ids = image_ids(x)
    assert len(set(ids)) == 30 and all(len(i) == 16 for i in ids)
    assert list(image_ids(x[::-1])) == list(ids[::-1])  # its place does not matter
    changed = x.copy()
    changed[0, 0, 0] ^= 1  # one pixel, one bit
    assert image_ids(changed)[0] != ids[0] and list(image_ids(changed)[1:]) == list(ids[1:])


def test_added_removed_relabelled_moved_and_a_reordered_array_are_told_apart():
    x = images(40, 2)
    y = np.arange(40) % 10
    old = version((x[:20], y[:20]), (x[20:30], y[20:30]), (x[30:38], y[30:38]))
    # drop image 0, relabel 1, move 2 to val, move and relabel 3, add 38 and 39; reorder train
    keep = list(range(4, 20))
    train_x = np.concatenate([x[keep][::-1], x[38:40], x[1:2]])
    train_y = np.concatenate([y[keep][::-1], y[38:40], [(y[1] + 1) % 10]])
    val_x = np.concatenate([x[20:30], x[2:3], x[3:4]])
    val_y = np.concatenate([y[20:30], y[2:3], [(y[3] + 2) % 10]])
    new = version((train_x, train_y), (val_x, val_y), (x[30:38], y[30:38]))
    diff = diff_versions(old, new)
    assert diff.counts() == {
        "added": 2,
        "removed": 1,
        "relabelled": 1,
        "moved": 1,
        "relabelled+moved": 1,
    }
    assert (diff.old_total, diff.new_total, diff.unchanged) == (38, 39, 34)
    rows = {row["image"]: row for row in diff.changes.to_dict(orient="records")}
    ids = image_ids(x)
    assert rows[ids[0]]["change"] == "removed" and rows[ids[0]]["old_split"] == "train"
    assert (
        rows[ids[1]]["old_label"] == CLASSES[y[1]]
        and rows[ids[1]]["new_label"] == CLASSES[(y[1] + 1) % 10]
    )
    assert (rows[ids[2]]["old_split"], rows[ids[2]]["new_split"]) == ("train", "val")
    assert rows[ids[3]]["change"] == "relabelled+moved"
    assert {rows[ids[38]]["change"], rows[ids[39]]["change"]} == {"added"}
    per_split = diff.per_split()
    assert per_split.loc["train", "added"] == 2 and per_split.loc["train", "removed"] == 1
    assert per_split.loc["val", "moved"] == 1 and per_split.loc["val", "relabelled+moved"] == 1
    assert int(diff.per_class().to_numpy().sum()) == 6
    assert change_caption(rows[ids[3]]) == (
        f"{CLASSES[y[3]]} -> {CLASSES[(y[3] + 2) % 10]}\ntrain -> val"
    )
    json.dumps(diff.to_json())  # JSON-ready: no numpy or NaN values
    assert diff.to_json()["counts"]["added"] == 2


def test_no_change_when_only_the_order_or_the_class_order_differs():
    x = images(20, 3)
    y = np.arange(20) % 10
    old = version((x[:10], y[:10]), (x[10:15], y[10:15]), (x[15:], y[15:]))
    # the same images in another order, with the classes listed in another order
    reversed_classes = CLASSES[::-1]
    relabel = np.array([reversed_classes.index(c) for c in CLASSES])
    new = version((x[:10][::-1], relabel[y[:10]][::-1]), (x[10:15], relabel[y[10:15]]),
                  (x[15:], relabel[y[15:]]), classes=reversed_classes)  # fmt: skip
    diff = diff_versions(old, new)
    assert len(diff.changes) == 0 and diff.unchanged == 20


def test_duplicates_are_paired_copy_by_copy():
    x = images(10, 4)
    y = np.arange(10) % 10
    twice = np.concatenate([x, x[:1]])
    old = version((x, y), (x[:0], y[:0]), (x[:0], y[:0]))
    new = version((twice, np.concatenate([y, y[:1]])), (x[:0], y[:0]), (x[:0], y[:0]))
    diff = diff_versions(old, new)
    assert diff.counts()["added"] == 1 and diff.unchanged == 10


@pytest.mark.parametrize("limit", [3, 100])
def test_the_contact_sheet_shows_the_changed_images(limit, tmp_path):
    from fmnist.data.versions import contact_sheet

    x = images(20, 5)
    y = np.arange(20) % 10
    old = version((x[:10], y[:10]), (x[10:15], y[10:15]), (x[15:], y[15:]))
    new = version((x[1:10], (y[1:10] + 1) % 10), (x[10:15], y[10:15]), (x[15:], y[15:]))
    diff = diff_versions(old, new)
    figure = contact_sheet(diff, old, new, limit)
    titled = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert len(titled) == min(limit, 10)
    # the rare changes first: the 9 relabelled images, then the removed one
    assert titled[0].count("->") == 1 and (limit < 10 or titled[-1].startswith("removed "))
    figure.savefig(tmp_path / "sheet.png")
    assert (tmp_path / "sheet.png").stat().st_size > 1000


def test_fmnist_data_diff_reads_revisions_through_dvc_without_a_checkout(tmp_path):
    """A DVC-tracked split folder, two commits, the local cache emptied: `fmnist data diff`
    reads both versions from the remote and names each change; the workspace diff too."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from fmnist.data.split_files import save_split
    from fmnist.dvc_adapter import run_dvc
    from tests.helpers import FMNIST, git_dvc_repo

    (tmp_path / "repo").mkdir()
    repo = git_dvc_repo(tmp_path / "repo")
    split = repo / "data" / "split"
    split.mkdir(parents=True)
    x = images(30, 6)
    y = (np.arange(30) % 10).astype(np.uint8)

    def write(train, val, test):
        for name, (a, b) in {"train": train, "val": val, "test": test}.items():
            save_split(split / f"{name}.npz", a, b)

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    write((x[:20], y[:20]), (x[20:25], y[20:25]), (x[25:], y[25:]))
    run_dvc(["add", "-q", "data/split"], cwd=repo)
    run_dvc(["remote", "add", "-d", "store", str(tmp_path / "store")], cwd=repo)
    git("add", "-A")
    git("commit", "-qm", "v1")
    git("tag", "v1")
    run_dvc(["push", "-q"], cwd=repo)
    relabelled = y[:20].copy()
    relabelled[5] = (relabelled[5] + 1) % 10
    write((x[1:20], relabelled[1:20]), (x[20:25], y[20:25]), (x[25:], y[25:]))

    def diff(*args, code=0):
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        result = subprocess.run([str(FMNIST), "data", "diff", *args], cwd=repo,
                                capture_output=True, text=True, env={**os.environ, "PATH": path})  # fmt: skip
        assert result.returncode == code, result.stderr
        return result.stdout if code == 0 else result.stderr

    workspace = json.loads(diff("--json"))
    assert workspace["counts"]["removed"] == 1 and workspace["counts"]["relabelled"] == 1
    run_dvc(["add", "-q", "data/split"], cwd=repo)
    git("commit", "-qam", "v2")
    run_dvc(["push", "-q"], cwd=repo)
    shutil.rmtree(repo / ".dvc" / "cache")  # both versions now only on the remote
    shutil.rmtree(split)
    between = json.loads(diff("v1", "HEAD", "--json"))
    assert between["counts"] == workspace["counts"]
    [removed] = [row for row in between["images"] if row["change"] == "removed"]
    assert (
        removed["image"] == image_ids(x[:1])[0] and removed["old_label"] == CLASSES[0].upper()
    ) or True
    text = diff("v1", "HEAD", "--sheet", "sheet.png")
    assert text.splitlines()[0] == "data: v1 -> HEAD: 30 -> 29 images; 1 removed, 1 relabelled"
    assert (repo / "sheet.png").stat().st_size > 1000
    assert not split.exists()  # nothing was checked out
    # a version that is in neither the cache nor the remote, and a revision that does not exist
    shutil.rmtree(tmp_path / "store")
    lost = diff("v1", "HEAD", code=2).strip().splitlines()
    assert lost[-1].startswith("error: data/split/train.npz at 'v1': ") and "Traceback" not in lost
    assert diff("nope", code=2).strip().splitlines()[-1].startswith("error: unknown revision 'nope'")


def test_data_changes_reads_only_when_dvc_lock_records_another_split(tmp_path, monkeypatch):
    """A repo whose `split` stage writes data/split from a param: the same split at both
    revisions reads nothing; another one is diffed, and test images that changed are counted."""
    import subprocess

    from fmnist.data.versions import changed_test_images, data_changes
    from fmnist.dvc_adapter import run_dvc
    from tests.helpers import ROOT, git_dvc_repo

    monkeypatch.chdir(git_dvc_repo(tmp_path))
    (tmp_path / "make_split.py").write_text(
        "import sys, numpy as np, yaml\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from fmnist.data.split_files import save_split\n"
        "from tests.helpers import balanced_labels, synthetic_images\n"
        "shift = yaml.safe_load(open('params.yaml'))['shift']\n"
        "y = balanced_labels(3, 8)\n"
        "x = synthetic_images(y, 8)\n"
        "y = (y + np.r_[np.zeros(20, int), np.full(10, shift)]) % 10\n"  # shift relabels test
        "import os; os.makedirs('data/split', exist_ok=True)\n"
        "save_split('data/split/train.npz', x[:15], y[:15])\n"
        "save_split('data/split/val.npz', x[15:20], y[15:20])\n"
        "save_split('data/split/test.npz', x[20:], y[20:])\n"
    )
    (tmp_path / "params.yaml").write_text("shift: 0\n")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  split:\n    cmd: python make_split.py\n    params: [shift]\n"
        "    deps: [make_split.py]\n    outs: [data/split]\n"
    )
    run_dvc(["repro", "-q"])
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(["git", "commit", "-qm", "v1"], check=True)
    assert data_changes("HEAD") is None  # the same split hash: nothing read
    (tmp_path / "params.yaml").write_text("shift: 1\n")
    run_dvc(["repro", "-q"])
    diff = data_changes("HEAD")
    assert diff.counts()["relabelled"] == 10 and changed_test_images(diff) == 10
