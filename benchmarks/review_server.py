"""How fast ``fmnist review`` is on the full Fashion-MNIST audit: start, decisions, page weight.

    python -m benchmarks.review_server [--decisions 200] [--screenshot docs/review.png]

Runs on the workspace's audit (``dvc repro audit`` first). Starts ``fmnist review`` as a user
does (a new process, decisions to ``build/review-benchmark.csv``, removed at the end) and times:

- start to first page: from the process's start until ``/`` and ``/api/state`` (every item)
  have both answered;
- each decision's round trip, ``--decisions`` times on the label issues in order: the POST,
  the decision read back from the file on disk, then the next finding's detail (its
  probabilities and nearest training images), as the page fetches it before showing it;
- the page's weight: the page, the state and the first screen's 120 thumbnails, as sent
  (gzip) and unpacked.

With ``--screenshot`` it also opens the page in Debian's chromium (Playwright), on a label issue
with its context, and saves what it shows. Prints the CPU, cores, commit and date first.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from fmnist.models.hardware import detect_hardware

ROOT = Path(__file__).resolve().parents[1]
CORRECTIONS = "build/review-benchmark.csv"


def get(url: str, gzipped: bool = False) -> tuple[bytes, int]:
    """The body of ``url`` (unpacked) and the bytes sent."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzipped else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        sent = len(body)
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    return body, sent


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def screenshot(url: str, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(url)
        page.wait_for_selector(".card")
        page.select_option("#f-kind", "label_issue")
        page.locator("#f-kind").blur()
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(".near img")
        page.wait_for_timeout(1500)  # the thumbnails
        page.screenshot(path=str(path))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"{detect_hardware().device}; {os.cpu_count()} cores; commit {commit.stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d')}")  # fmt: skip
    (ROOT / CORRECTIONS).unlink(missing_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    command = [sys.executable, "-m", "fmnist", "review", "--port", str(args.port)]
    start = time.perf_counter()
    server = subprocess.Popen(
        [*command, "--corrections", CORRECTIONS], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        server.stdout.readline()  # the URL: the socket listens from here
        page, page_sent = get(f"{base}/", gzipped=True)
        state_raw, state_sent = get(f"{base}/api/state", gzipped=True)
        first_page = time.perf_counter() - start
        state = json.loads(state_raw)
        thumbs = [i["images"][0]["id"] for i in state["items"][:120]]
        thumb_bytes = sum(get(f"{base}/api/image/{image}.png")[1] for image in set(thumbs))
        print(f"{len(state['items'])} findings; start to first page (page and state): "
              f"{first_page:.2f} s")  # fmt: skip
        print(f"page weight: page {page_sent:,} B sent ({len(page):,} unpacked), state "
              f"{state_sent:,} B sent ({len(state_raw):,} unpacked), first screen's "
              f"{len(set(thumbs))} thumbnails {thumb_bytes:,} B; in all "
              f"{page_sent + state_sent + thumb_bytes:,} B")  # fmt: skip

        if args.screenshot:  # before any decision: the page as a reviewer first sees it
            screenshot(f"{base}/", args.screenshot)
            print(f"wrote {args.screenshot}")
        issues = [i["key"] for i in state["items"] if i["kind"] == "label_issue"]
        times = []
        for n, key in enumerate(issues[: args.decisions]):
            action = ("keep", "take", "drop")[n % 3]
            began = time.perf_counter()
            post(f"{base}/api/decide", {"items": [key], "action": action, "reviewer": "bench"})
            image = key.split(":", 1)[1]
            assert image in (ROOT / CORRECTIONS).read_text(), "the decision is not on disk"
            get(f"{base}/api/item/{issues[n + 1]}")
            times.append(time.perf_counter() - began)
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(f"{len(ms)} decisions, round trip (POST, on disk, next finding's detail): "
              f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
              f"max {ms[-1]:.1f} ms")  # fmt: skip
    finally:
        server.kill()
        server.wait(10)
        (ROOT / CORRECTIONS).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
