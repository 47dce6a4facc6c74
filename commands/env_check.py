"""``make env-check``: is the venv exactly what uv.lock pins? Changes nothing; names each package
that differs.

    python -m commands.env_check --uv .venv/bin/uv [--extra NAME ...]

It asks ``uv sync --locked --check --offline`` (uv's own comparison of the venv with the lock,
which installs nothing), then turns uv's "would install / would uninstall" lines into one
``error:`` line naming every package that differs and how (exit 2). ``make venv`` re-syncs; this
only looks, so a venv that drifted (``uv pip install pyyaml==6.0.2``) fails here.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections.abc import Sequence

from fmnist.errors import PipelineError
from fmnist.stage_runner import run_stage

# uv's dry-run lines: " - pyyaml==6.0.2" (would uninstall), " + pyyaml==6.0.4" (would install)
CHANGE = re.compile(r"^\s*([-+])\s+([A-Za-z0-9_.\-\[\]]+)==(\S+)")
FIX = "run `make venv` to install exactly uv.lock"


def differences(uv_output: str) -> list[str]:
    """Each package that differs from the lock, in words, from uv's would-change lines."""
    present: dict[str, str] = {}
    wanted: dict[str, str] = {}
    for line in uv_output.splitlines():
        match = CHANGE.match(line)
        if match:
            sign, name, version = match.groups()
            (present if sign == "-" else wanted)[name] = version
    found = []
    for name in sorted(set(present) | set(wanted)):
        if name in present and name in wanted:
            found.append(f"{name} {present[name]} (uv.lock pins {wanted[name]})")
        elif name in present:
            found.append(f"{name} {present[name]} (not in uv.lock)")
        else:
            found.append(f"{name} missing (uv.lock pins {wanted[name]})")
    return found


def check(uv: str, extras: Sequence[str]) -> list[str]:
    """The differences between the venv uv is pointed at and the lock (empty: it matches)."""
    command = [uv, "sync", "--locked", "--check", "--offline", "--extra", "dev"]
    command += [arg for extra in extras for arg in ("--extra", extra)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if result.returncode == 0:
        return []
    output = result.stdout + result.stderr
    found = differences(output)
    if not found:  # a failure that is no package difference (a stale lock, say): uv's last line
        lines = [line for line in output.splitlines() if line.strip()]
        raise PipelineError(f"env-check: {lines[-1] if lines else 'uv sync --check failed'}")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", required=True, help="the venv's uv")
    parser.add_argument("--venv", default=".venv", help="for messages")
    parser.add_argument("--extra", action="append", default=[], help="an extra that is installed")
    args = parser.parse_args(argv)
    found = check(args.uv, args.extra)
    if found:
        raise PipelineError(
            f"env-check: {args.venv} differs from uv.lock in {len(found)} package(s): "
            + "; ".join(found)
            + f"; {FIX}"
        )
    extras = f" (extras: {', '.join(args.extra)})" if args.extra else ""
    print(f"env-check: {args.venv} holds exactly what uv.lock pins{extras}")


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
