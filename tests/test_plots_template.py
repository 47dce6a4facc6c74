import json
from pathlib import Path

from dvc.repo import Repo

from commands.plots_template import (
    DEFAULT_CONFUSION,
    DEFAULT_OUT,
    build_template,
    confusion_template,
    page_template,
)
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from tests.helpers import ROOT


def test_template_has_the_plots_placeholder_no_cdn_scripts_and_a_safe_bundle():
    page = page_template('const a = "</script>"; window.vegaEmbed = f;', "5.21")
    assert "{plot_divs}" in page and "{scripts}" not in page and "cdn" not in page
    assert page.count("</script>") == 1  # the bundle's own "</script>" was escaped
    assert 'const a = "<\\/script>";' in page
    assert "img { max-width: 100%; height: auto; }" in page


def test_committed_template_is_what_the_command_builds_and_dvc_uses_it():
    committed = ROOT / DEFAULT_OUT
    assert committed.read_text() == build_template(), "run: python -m commands.plots_template"
    assert "window.vegaEmbed=" in committed.read_text()
    with Repo(str(ROOT)) as repo:
        configured = repo.config["plots"]["html_template"]
    assert Path(repo.dvc_dir, configured).resolve() == committed.resolve()


def test_committed_confusion_template_orders_the_classes_as_the_dataset_does():
    committed = ROOT / DEFAULT_CONFUSION
    assert committed.read_text() == confusion_template(FASHION_MNIST_CLASSES), (
        "run: python -m commands.plots_template"
    )
    encoding = json.loads(committed.read_text())["spec"]["encoding"]
    assert encoding["x"]["sort"] == encoding["y"]["sort"] == list(FASHION_MNIST_CLASSES)
    assert encoding["x"]["sort"][:2] == ["T-shirt/top", "Trouser"]
