"""Build the plot templates: an offline `dvc plots show` page and a class-ordered confusion matrix.

    python -m commands.plots_template [--out .dvc/offline_plots.html]
        [--confusion .dvc/plots/confusion_classes.json]

DVC's default page loads vega, vega-lite and vega-embed from a CDN, so without a network its
charts stay blank. This template inlines one JavaScript bundle of the three, made by the pinned
vl-convert-python (``javascript_bundle``) for Vega-Lite 5, the version DVC's plot templates are
written for, and it has no ``{scripts}`` placeholder, so DVC adds no CDN tags. Its CSS scales
images down to the window's width. ``.dvc/config`` points ``plots.html_template`` at the
committed output, so every clone has it before any command runs; a test checks that the
committed file is exactly what this command builds.

DVC's ``confusion`` template sorts the classes alphabetically (Bag, Coat, Dress, ...), while
every other table and figure of the project uses the dataset's order (T-shirt/top, Trouser,
...). ``confusion_classes`` is DVC's own template with that order put in place of the
alphabetical sort, and ``dvc.yaml`` uses it by name (DVC reads templates from .dvc/plots/).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.files import atomic_path
from fmnist.stage_runner import run_stage

log = logging.getLogger(__name__)
VEGA_LITE_VERSION = "5.21"  # DVC's plot templates declare the Vega-Lite v5 schema
DEFAULT_OUT = Path(".dvc/offline_plots.html")
DEFAULT_CONFUSION = Path(".dvc/plots/confusion_classes.json")
STYLE = """
    body { font-family: sans-serif; margin: 8px; }
    table { border-spacing: 15px; }
    /* DVC lays image revisions side by side with nowrap: let them wrap, and scale each image
       down to the window's width instead of scrolling sideways */
    body > div { white-space: normal !important; }
    body > div > div { max-width: calc(100% - 16px); box-sizing: border-box; }
    img { max-width: 100%; height: auto; }
"""


def page_template(bundle: str, vega_lite_version: str) -> str:
    """An HTML page for DVC with ``bundle`` inlined; DVC fills in ``{plot_divs}``."""
    # inside <script>, "</script" would end the element early; "<\\/script" means the same in JS
    bundle = bundle.replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta charset="utf-8">\n'
        "{refresh_tag}\n"
        "<title>DVC Plot</title>\n"
        f"<!-- vega, vega-lite {vega_lite_version} and vega-embed, inlined by "
        "commands/plots_template.py: no network needed -->\n"
        f"<script>\n{bundle}\n</script>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n<body>\n{plot_divs}\n</body>\n</html>\n"
    )


def build_template(vega_lite_version: str = VEGA_LITE_VERSION) -> str:
    import vl_convert  # a development dependency: only this command needs it

    return page_template(
        vl_convert.javascript_bundle(vl_version=vega_lite_version), vega_lite_version
    )


def confusion_template(class_names: Sequence[str]) -> str:
    """DVC's confusion-matrix template with both axes in ``class_names`` order (JSON text)."""
    from dvc_render.vega_templates import ConfusionTemplate

    template = copy.deepcopy(ConfusionTemplate.DEFAULT_CONTENT)
    for axis in ("x", "y"):
        assert template["spec"]["encoding"][axis]["sort"] == "ascending", "DVC changed its template"
        template["spec"]["encoding"][axis]["sort"] = list(class_names)
    return json.dumps(template, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--confusion", type=Path, default=DEFAULT_CONFUSION)
    args = parser.parse_args(argv)
    with atomic_path(args.out) as tmp:
        tmp.write_text(build_template())
    log.info("wrote %s (%d bytes)", args.out, args.out.stat().st_size)
    with atomic_path(args.confusion) as tmp:
        tmp.write_text(confusion_template(FASHION_MNIST_CLASSES))
    log.info("wrote %s", args.confusion)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
