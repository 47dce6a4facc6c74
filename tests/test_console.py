"""The `fmnist` command: its sub-commands, --version, and a start that imports no heavy library."""

import subprocess
import sys
from importlib.metadata import version

import pytest

from fmnist.console import COMMANDS, build_parser, main


def test_version_names_the_installed_distribution(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == (
        f"fmnist {version('fmnist-dvc')} (Python {sys.version.split()[0]})"
    )


def test_every_sub_command_has_help_and_a_runner():
    parser = build_parser()
    assert set(COMMANDS) == {
        "predict", "search", "report", "gate", "ci-report", "data", "review",
    }  # fmt: skip
    needs = {"predict": ["x.png"], "data": ["diff"]}
    for name in COMMANDS:
        args = parser.parse_args([name, *needs.get(name, [])])
        assert callable(args.run)
    assert "ci-report" in parser.format_help() and "--version" in parser.format_help()


def test_building_the_command_imports_no_heavy_library():
    """`fmnist --help` answers at once: TensorFlow, Keras, pandas, DVC load only to do work."""
    code = (
        "import sys; from fmnist.console import build_parser; build_parser(); "
        "print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'dvc', 'optuna', 'sklearn') "
        "if m in sys.modules), [m for m in ('starlette', 'uvicorn') if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[] []"


def test_the_documented_examples_name_spaces_that_exist():
    import re

    import fmnist.console
    from tests.helpers import project_params

    spaces = set(project_params().search.spaces)
    documented = re.findall(r"--space (\S+)", fmnist.console.__doc__)
    assert documented and set(documented) <= spaces, (documented, spaces)
