"""The project code a stage runs, found from its imports: the one list of a stage's code deps.

A stage's output depends on every project module its script imports, at the top or inside a
function, directly or through other project modules, and on :data:`IMPORT_HOOKS` (importing
Keras registers the project's layers through ``fmnist.keras_registration``, with no import
statement to see). :func:`stage_code_files` follows those imports in the source, without
running anything, so the stage itself (its resume fingerprint) and the test that checks
``dvc.yaml``'s deps against a fresh interpreter's imports use the same list.

Left out, once and here: :data:`INFRASTRUCTURE`, modules that compute no number (editing them
must not re-train anything; their behaviour is pinned by unit tests), and package
``__init__.py`` files that hold only a docstring.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from fmnist.keras_registration import KERAS, LAYERS_MODULE

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("fmnist", "stages")

# module -> why it is not a code dep of the stages that import it
INFRASTRUCTURE: dict[str, str] = {
    "fmnist": "the package's __init__: installs the Keras registration hook, computes nothing",
    "fmnist.keras_registration": "makes the layers loadable; the layers module itself is a dep",
    "fmnist.errors": "exception classes for one-line errors",
    "fmnist.files": "atomic writes and JSON reading: the bytes written are the caller's",
    "fmnist.stage_runner": "logging, signals and one-line errors around a stage's main()",
    "fmnist.provenance": "records params and library versions beside a model",
    "fmnist.environment": "reads the installed package versions for the records",
    "fmnist.params": "re-exports the params package",
    "fmnist.params.schema": "describes params.yaml, whose values are each stage's params deps",
    "fmnist.params.checking": "validates params; turns no value into another",
    "fmnist.params.loader": "reads params.yaml (a params dep, not a code dep)",
    "fmnist.code_deps": "computes this list of code deps; changes no number",
    "stages": "the package's __init__: checks the interpreter has the project installed",
}

# an import of the key also runs the value, through an import hook rather than a statement
IMPORT_HOOKS: dict[str, str] = {KERAS: LAYERS_MODULE}


def _in_project(name: str) -> bool:
    return name.split(".")[0] in PROJECT_PACKAGES


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The source file of project module ``name`` (its ``__init__.py`` for a package)."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(path: Path, module: str) -> Iterator[str]:
    """Every module an ``import`` or ``from ... import`` anywhere in ``path`` names, with the
    names imported from a package that are modules of their own."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _with_parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs its packages first."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def imported_modules(module: str, root: Path = ROOT) -> set[str]:
    """The project modules that importing and running ``module`` may import: its own, its
    imports' (at any depth, top-level or inside functions), their packages, and the hooks'."""
    found: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        for candidate in _with_parents(name):
            if candidate in found or module_file(candidate, root) is None:
                continue
            found.add(candidate)
            for imported in _imported_names(module_file(candidate, root), candidate):
                hooked = IMPORT_HOOKS.get(imported.split(".")[0])
                todo += [m for m in (imported, hooked) if m and _in_project(m)]
    return found


def _only_docstring(path: Path) -> bool:
    body = ast.parse(path.read_text()).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def stage_code_files(module: str, root: Path = ROOT) -> list[str]:
    """The code deps of the stage whose script is ``module`` (``stages.train_cnn``): the files,
    relative to ``root``, of the project modules it imports less :data:`INFRASTRUCTURE` and
    docstring-only package files; sorted, as ``dvc.yaml`` lists them."""
    files = []
    for name in imported_modules(module, root):
        path = module_file(name, root)
        if name in INFRASTRUCTURE or (path.name == "__init__.py" and _only_docstring(path)):
            continue
        files.append(path.relative_to(root).as_posix())
    return sorted(files)


def stage_scripts(dvc_yaml: Mapping[str, Any]) -> dict[str, str]:
    """Each stage of a parsed ``dvc.yaml`` and the module its ``cmd`` runs (``python -m X``)."""
    found = {}
    for name, stage in dvc_yaml["stages"].items():
        match = re.search(r"python -m ([\w.]+)", " ".join(str(stage["cmd"]).split()))
        if match:
            found[name] = match.group(1)
    return found


def listed_code_deps(stage: Mapping[str, Any]) -> list[str]:
    """The deps of a parsed ``dvc.yaml`` stage that are project source files."""
    return sorted(
        dep
        for dep in stage.get("deps", [])
        if dep.endswith(".py") and _in_project(dep.replace("/", "."))
    )


def code_deps_problems(dvc_yaml: Mapping[str, Any], root: Path = ROOT) -> list[str]:
    """One line per difference between each stage's listed code deps and its imports."""
    problems = []
    for name, module in stage_scripts(dvc_yaml).items():
        listed = set(listed_code_deps(dvc_yaml["stages"][name]))
        imported = set(stage_code_files(module, root))
        problems += [
            f"{name}: dvc.yaml lacks {path}, which it imports" for path in sorted(imported - listed)
        ]
        problems += [
            f"{name}: dvc.yaml lists {path}, which it does not import"
            for path in sorted(listed - imported)
        ]
    return problems
