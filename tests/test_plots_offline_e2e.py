"""End-to-end: the `dvc plots show` page renders every chart in headless Chromium offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from dvc_render.html import PAGE_HTML

from tests.helpers import ROOT, DvcProject, unavailable

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "build" / "test-artifacts"
# Injected into a copy of the page (never into the product): record script errors from the
# first moment, then after rendering report, per plot div, whether a chart or image is there.
CATCH_ERRORS = """<script>
window.pageErrors = [];
window.addEventListener("error", e => window.pageErrors.push(String(e.message || e.type)), true);
window.addEventListener("unhandledrejection", e => window.pageErrors.push(String(e.reason)));
</script>"""
REPORT = """<script>
setTimeout(() => {
  const divs = [...document.querySelectorAll("body > div[id]")].map(div => ({
    id: div.id,
    charts: div.querySelectorAll("svg, canvas").length,
    images: [...div.querySelectorAll("img")].map(img => img.complete ? img.naturalWidth : -1),
  }));
  const pre = document.createElement("pre");
  pre.id = "browser-report";
  pre.textContent = JSON.stringify({divs, errors: window.pageErrors,
                                    scrollWidth: document.documentElement.scrollWidth});
  document.body.appendChild(pre);
}, 5000);
</script>"""
# no network for the browser: every host resolves to nothing, every request goes to a dead proxy
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    unavailable("chromium", "apt-get install chromium")


def browse(page: Path, *flags: str) -> subprocess.CompletedProcess:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--window-size=1280,2400",
        "--virtual-time-budget=20000",
        *OFFLINE,
        *flags,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def browser_report(page: Path) -> dict:
    """Open an instrumented copy of ``page`` offline; return what rendered and what failed."""
    html = page.read_text()
    probe = page.with_name("probe.html")
    head, body_end = html.index("<head>") + len("<head>"), html.rindex("</body>")
    probe.write_text(html[:head] + CATCH_ERRORS + html[head:body_end] + REPORT + html[body_end:])
    dom = browse(probe, "--dump-dom").stdout
    found = re.search(r'<pre id="browser-report">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_plots_page_renders_every_chart_offline(baseline_project):
    project: DvcProject = baseline_project()  # the shared small run of the whole DAG
    project.dvc("plots", "show", "-o", "dvc_plots")
    page = project.path / "dvc_plots" / "index.html"
    assert "cdn.jsdelivr.net" not in page.read_text()

    report = browser_report(page)
    assert report["errors"] == []
    vega = [d for d in report["divs"] if not d["images"]]
    images = [d for d in report["divs"] if d["images"]]
    assert len(vega) == 4 and all(d["charts"] >= 1 for d in vega), report  # curves, confusions
    # the plot stage's 4 figures and the audit's 3 galleries
    assert len(images) == 7 and all(w > 0 for d in images for w in d["images"]), report
    assert report["scrollWidth"] <= 1280, "the page scrolls sideways in a 1280-pixel window"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "plots_offline.png"
    browse(page, f"--screenshot={screenshot}")
    assert screenshot.stat().st_size > 50_000

    # the control: DVC's own page, which loads Vega from a CDN, renders no chart offline
    cdn_template = project.path / "cdn.html"
    cdn_template.write_text(PAGE_HTML)
    project.dvc("plots", "show", "-o", "cdn_plots", "--html-template", str(cdn_template))
    control = browser_report(project.path / "cdn_plots" / "index.html")
    assert all(d["charts"] == 0 for d in control["divs"] if not d["images"])
    assert control["errors"], "the CDN page should fail without a network"
