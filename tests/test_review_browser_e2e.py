"""End-to-end: a person reviews the audit's findings in a real browser, by keyboard alone.

A small real dataset (1,500 Fashion-MNIST images as IDX files, a test image planted in train as
a near-copy) goes through the real `dvc repro audit`; `fmnist review` serves it as a process of
its own, Playwright drives Debian's chromium. The test decides a group and ten label issues
(keep, take the suggestion, relabel by digit and from the list, drop, undo), reloads, kills the
server with SIGKILL and starts it again, then reads the corrections file row by row and checks
that `fmnist data diff` of the version they make shows exactly those decisions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

import numpy as np
import pandas as pd
import pytest

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.idx import read_idx, write_idx
from tests.helpers import DEBIAN_DATA, ROOT, DvcProject, require_real_data, unavailable

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "build" / "test-artifacts"
FMNIST = [sys.executable, "-m", "fmnist"]
# keys for the label issues, in order: k keep, t take, d drop, a digit relabels to that class,
# l then ArrowDown then Enter relabels to the class after the suggested one in the list
KEYS = ["k", "t", "d", "3", "t", "k", "d", "t", "list", "k"]


def small_dataset(folder) -> None:
    """1,200 training and 300 test images of the real data, and a copy of test image 0 with
    1 grey level of noise among the training images: a leak the audit finds."""
    folder.mkdir(parents=True)
    read = lambda prefix, kind, n: read_idx(DEBIAN_DATA / f"{prefix}-{kind}.gz")[:n]  # noqa: E731
    train_x, train_y = (
        read("train", "images-idx3-ubyte", 1200),
        read("train", "labels-idx1-ubyte", 1200),
    )
    test_x, test_y = read("t10k", "images-idx3-ubyte", 300), read("t10k", "labels-idx1-ubyte", 300)
    noise = np.random.default_rng(0).integers(-1, 2, (28, 28))
    copy = np.clip(test_x[0].astype(int) + noise, 0, 255).astype(np.uint8)
    write_idx(folder / "train-images-idx3-ubyte", np.concatenate([train_x, copy[np.newaxis]]))
    write_idx(folder / "train-labels-idx1-ubyte", np.concatenate([train_y, test_y[:1]]))
    write_idx(folder / "t10k-images-idx3-ubyte", test_x)
    write_idx(folder / "t10k-labels-idx1-ubyte", test_y)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(project: DvcProject, port: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [*FMNIST, "review", "--port", str(port), "--reviewer", "tester"],
        cwd=project.path,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip()
    assert url == f"http://127.0.0.1:{port}/", url or process.stderr.read()
    return process, url


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)


def expected_rows(items, classes) -> list[tuple[str, str, str]]:
    """(image, action, new_label) of each decision the keys make on ``items`` in order."""
    rows = []
    group, *issues = items
    for image in group["images"]:  # x: the training copies dropped, the test image kept
        rows.append((image["id"], "keep" if image["split"] == "test" else "drop", ""))
    for key, item in zip(KEYS, issues, strict=False):
        image, suggested = item["images"][0]["id"], item["suggested"]
        if key == "k":
            rows.append((image, "keep", ""))
        elif key == "d":
            rows.append((image, "drop", ""))
        elif key == "t":
            rows.append((image, "relabel", suggested))
        elif key == "list":
            rows.append(
                (image, "relabel", classes[min(classes.index(suggested) + 1, len(classes) - 1)])
            )
        else:
            rows.append((image, "relabel", classes[int(key)]))
    return rows


def test_a_review_by_keyboard_survives_reload_and_sigkill_and_is_the_next_data_version(
    dvc_project,
):
    require_real_data()
    if not shutil.which("chromium"):
        unavailable("chromium", "apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    project: DvcProject = dvc_project()
    small_dataset(project.path / "data" / "own")
    project.set_params(
        data={"source": "idx", "path": "data/own", "classes": list(FASHION_MNIST_CLASSES)},
        # no outliers: an image that is both a label issue and an outlier is decided once, for
        # both items, which the one-key-one-item progress below does not count
        audit={"folds": 3, "outliers": 0},
    )
    project.dvc("repro", "audit")
    project.commit("a small dataset and its audit")

    port = free_port()
    server, url = start_server(project, port)
    try:
        with urllib.request.urlopen(f"{url}api/state", timeout=10) as answer:
            state = json.load(answer)
        items, classes = state["items"], state["classes"]
        assert items[0]["kind"] == "duplicates" and items[0]["leak"]  # the planted leak first
        assert [i["kind"] for i in items[1:11]] == ["label_issue"] * 10
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.wait_for_selector(".card")
            progress = page.locator("#progress-text")

            def press(key: str, done: int) -> None:
                if key == "list":
                    page.keyboard.press("l")
                    page.keyboard.press("ArrowDown")
                    page.keyboard.press("Enter")
                else:
                    page.keyboard.press(key)
                expect(progress).to_have_text(re.compile(rf"^{done} of "))

            page.keyboard.press("?")  # the help overlay lists the keys
            assert page.locator("#help").is_visible() and "undo" in page.locator("#help").inner_text()
            page.keyboard.press("Escape")
            press("x", 1)  # the leak: drop the training copy of the test image
            for n, key in enumerate(KEYS[:9], start=2):
                press(key, n)
            press("k", 11)
            press("u", 10)  # undo: the last "keep" is taken back
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review_page.png"))

            page.reload()  # the progress is the file's, not the page's
            page.wait_for_selector(".card")
            assert progress.inner_text().startswith(f"10 of {len(items)} reviewed")

            os.kill(server.pid, signal.SIGKILL)  # mid-session: nothing decided may be lost
            server.wait(10)
            server, _ = start_server(project, port)
            press("k", 11)  # the page goes on against the new server: the 10th issue kept
            press("u", 10)  # ... and taken back (this server's own decision)
            page.keyboard.press("u")  # the one before was the killed server's: a stale undo
            expect(page.locator("#toast")).to_contain_text("stale undo")
            browser.close()
    finally:
        stop(server)

    table = pd.read_csv(
        project.path / "data/corrections/review.csv", dtype=str, keep_default_na=False
    )
    expected = expected_rows(items[:10], classes)
    assert list(zip(table["image"], table["action"], table["new_label"], strict=True)) == expected
    assert set(table["reviewer"]) == {"tester"} and table["reason"].str.startswith("review: ").all()

    summary = project.run(*FMNIST, "review", "--summary").stdout
    assert summary.splitlines()[0] == (
        f"review: 10 of {len(items)} findings decided, in data/corrections/review.csv "
        f"({len(expected)} rows: {sum(a == 'relabel' for _, a, _ in expected)} relabel, "
        f"{sum(a == 'drop' for _, a, _ in expected)} drop, "
        f"{sum(a == 'keep' for _, a, _ in expected)} keep)"
    )
    removed_n = sum(a == "drop" for _, a, _ in expected)
    assert f"the version they make: 1501 -> {1501 - removed_n} images; {removed_n} removed" in summary
    assert "  dvc exp run -n reviewed -S data.corrections=data/corrections/review.csv" in summary
    project.set_params(data={"corrections": "data/corrections/review.csv"})
    diff = json.loads(project.run(*FMNIST, "data", "diff", "--json").stdout)
    assert diff["new_is_pending"]
    labels = {i["images"][0]["id"]: i["images"][0]["label"] for i in items[1:10]}
    relabelled = {
        (image, new)
        for image, action, new in expected
        if action == "relabel" and labels[image] != new
    }
    removed = {image for image, action, _ in expected if action == "drop"}
    changes = diff["images"]
    assert {
        (c["image"], c["new_label"]) for c in changes if c["change"] == "relabelled"
    } == relabelled
    assert {c["image"] for c in changes if c["change"] == "removed"} == removed
    assert len(changes) == len(relabelled) + len(removed)
