"""The package's layers: no module imports one of a layer above its own (issue 50)."""

import ast
from pathlib import Path

from fmnist.code_deps import ROOT

# lowest first; a module may import its own layer and those below. A name is a module or a
# package (every module below it), the longest name that fits a module decides its layer.
LAYERS: list[tuple[str, ...]] = [
    (
        "fmnist.errors", "fmnist.files", "fmnist.environment", "fmnist.provenance",
        "fmnist.revisions", "fmnist.dvc_adapter", "fmnist.metrics", "fmnist.stage_runner",
        "fmnist.keras_registration", "fmnist.code_deps", "fmnist.pictures.pixels",
    ),
    ("fmnist.params",),
    ("fmnist.pictures",),
    ("fmnist.data",),
    ("fmnist.models",),
    ("fmnist.inference", "fmnist.evaluation", "fmnist.audit"),
    ("fmnist.search", "fmnist.report", "fmnist.review"),
    ("fmnist.console", "fmnist.testing", "fmnist.__main__", "fmnist"),
]  # fmt: skip


def layer(module: str) -> int:
    """The layer of ``module``: that of the longest name in :data:`LAYERS` it is or is below."""
    best, found = -1, None
    for level, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), level
    assert found is not None, f"{module} is in no layer of tests/test_layers.py"
    return found


def project_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] == "fmnist"}


def upward_imports(root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted((root / "fmnist").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for imported in sorted(project_imports(path)):
            if layer(imported) > layer(module):
                problems.append(f"{module} imports {imported}, a layer above its own")
    return problems


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports() == []


def test_an_upward_import_is_found(tmp_path):
    (tmp_path / "fmnist" / "data").mkdir(parents=True)
    (tmp_path / "fmnist" / "data" / "x.py").write_text("from fmnist.inference.inputs import Item\n")
    (tmp_path / "fmnist" / "params.py").write_text("import fmnist.pictures.pixels\n")
    assert upward_imports(tmp_path) == [
        "fmnist.data.x imports fmnist.inference.inputs, a layer above its own"
    ]
