"""The README's headline table is the committed metrics, not a copy that can go stale."""

import json
import re

from tests.helpers import ROOT


def test_headline_accuracies_and_f1_are_the_committed_metrics():
    readme = (ROOT / "README.md").read_text()
    for model in ("cnn", "svm"):
        metrics = json.loads((ROOT / "metrics" / f"{model}.json").read_text())
        row = next(line for line in readme.splitlines() if line.startswith(f"| {model.upper()}"))
        accuracy, f1 = re.findall(r"\*\*([\d.]+)%\*\* \| ([\d.]+) \|", row)[0]
        assert float(accuracy) == round(100 * metrics["accuracy"], 2), row
        assert float(f1) == round(metrics["macro_f1"], 4), row


def test_every_docs_link_of_the_readme_exists():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if not link.startswith("http")]
    assert local and all((ROOT / link).exists() for link in local), local
    assert len(readme.splitlines()) <= 200


def test_a_figure_of_the_results_is_on_the_first_screen():
    """The README's first 30 lines show the study report's claims figure, and it exists."""
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    (figure,) = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", first_screen)
    assert figure == "reports/claims.png" and (ROOT / figure).is_file()
