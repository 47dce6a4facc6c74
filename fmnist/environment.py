"""The Python environment as part of a result's identity: the lock, what is installed, and the
lock's agreement with ``pyproject.toml``.

``uv.lock`` pins every package of the project for every platform it covers (``make lock``);
``make venv`` installs exactly that. This module needs nothing but the standard library, so the
Makefile can check the lock (:func:`lock_drift`) before anything is installed.
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

LOCK_FILE = Path("uv.lock")
PYPROJECT = Path("pyproject.toml")
FIX = "run `make lock`"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*([^;]*?)\s*(?:;(.*))?$")


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it: 'Scikit_Learn' -> 'scikit-learn'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_toml(path: str | Path) -> dict[str, Any] | None:
    """A TOML file as a dict; None on Python 3.10 without tomli (the caller then skips)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            return None
    with open(path, "rb") as file:
        return tomllib.load(file)


def lock_digest(path: str | Path = LOCK_FILE) -> str | None:
    """The lock's identity, ``sha256:<hex>`` of its bytes; None where there is no lock."""
    try:
        return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def installed_versions() -> dict[str, str]:
    """Every distribution installed in this interpreter's environment, name -> version."""
    return {
        normalize(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if dist.metadata["Name"]
    }


def environment_record(lock: str | Path = LOCK_FILE) -> dict[str, Any]:
    """What a result records of the environment that made it: the lock's digest, the Python,
    the platform, and every installed package's version."""
    return {
        "lock": lock_digest(lock),
        "python": platform.python_version(),
        "platform": f"{platform.system().lower()} {platform.machine()}",
        "packages": dict(sorted(installed_versions().items())),
    }


def _requirement(text: str) -> tuple[str, str]:
    """A PEP 508 requirement of pyproject.toml as (name, 'name[extras]specifier'), normalized
    and without white space, the form uv.lock's ``requires-dist`` is compared in."""
    match = _NAME.match(text)
    if not match:
        raise ValueError(f"pyproject.toml: cannot read the requirement {text!r}")
    name, extras, specifier, _ = match.groups()
    return _canonical(name, (extras or "").split(","), specifier)


def _canonical(name: str, extras: Iterable[str], specifier: str) -> tuple[str, str]:
    name = normalize(name)
    extras = ",".join(sorted(normalize(e) for e in extras if e.strip()))
    return name, name + (f"[{extras}]" if extras else "") + re.sub(r"\s+", "", specifier)


def declared(pyproject: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """pyproject.toml's requirements: (group, name) -> requirement; the group is '' for the
    default install and the extra's name for an optional one."""
    project = pyproject.get("project", {})
    groups: dict[str, Iterable[str]] = {"": project.get("dependencies", [])}
    groups.update(project.get("optional-dependencies", {}))
    result = {}
    for group, requirements in groups.items():
        for text in requirements:
            name, requirement = _requirement(text)
            result[(group, name)] = requirement
    return result


def locked(lock: Mapping[str, Any], project: str) -> dict[tuple[str, str], str] | None:
    """What uv.lock recorded of ``project``'s own requirements when it was resolved, in the form
    of :func:`declared`; None when the lock has no such project. Environment markers (``;
    sys_platform == 'linux'``) are not compared: uv rewrites them, joined with the extra's."""
    root = next((p for p in lock.get("package", []) if p.get("name") == normalize(project)), None)
    if root is None:
        return None
    result = {}
    for entry in root.get("metadata", {}).get("requires-dist", []):
        extra = re.search(r"extra == '([^']+)'", entry.get("marker", ""))
        name, requirement = _canonical(
            entry["name"], entry.get("extras", []), entry.get("specifier", "")
        )
        result[(extra.group(1) if extra else "", name)] = requirement
    return result


def lock_drift(pyproject: Mapping[str, Any], lock: Mapping[str, Any]) -> list[str]:
    """Where uv.lock no longer matches pyproject.toml, one sentence per package (empty: they
    agree). The lock is stale when a requirement was added, removed or changed since it was made."""
    name = pyproject.get("project", {}).get("name", "")
    recorded = locked(lock, name)
    if recorded is None:
        return [f"uv.lock has no entry for the project {name!r}"]
    wanted = declared(pyproject)
    problems = []
    for key in sorted(wanted.keys() | recorded.keys()):
        group, package = key
        where = f" (extra '{group}')" if group else ""
        if key not in recorded:
            problems.append(f"{package}{where} is in pyproject.toml but not in uv.lock")
        elif key not in wanted:
            problems.append(f"{package}{where} is in uv.lock but no longer in pyproject.toml")
        elif wanted[key] != recorded[key]:
            problems.append(
                f"{package}{where} is '{wanted[key]}' in pyproject.toml "
                f"but '{recorded[key]}' in uv.lock"
            )
    return problems


def package_changes(
    baseline: Mapping[str, str], current: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """Packages whose version differs between two environments: (name, baseline, now), None
    where a side does not have it; sorted by name."""
    return [
        (name, baseline.get(name), current.get(name))
        for name in sorted(baseline.keys() | current.keys())
        if baseline.get(name) != current.get(name)
    ]
