"""``make push`` / ``make pull``: share results through the DVC remote, with one line that names
the remote and the fix when something is wrong.

    python -m commands.remote push|pull [-r REMOTE]

Before it moves anything it checks an SSH remote's host key with OpenSSH's own tools, because
DVC's SSH client does not (sshfs connects with asyncssh's ``known_hosts=None``: whatever server
answers at that address is trusted). The key the server offers (``ssh-keyscan``) must be the
one ``~/.ssh/known_hosts`` pins for it (``ssh-keygen -F``); an unknown or changed key, or a
server that does not answer, stops here with nothing pushed or pulled. Then it runs
``dvc push --run-cache`` (or ``dvc pull --run-cache`` and ``dvc status``); when DVC fails, its
own message is followed by one ``error:`` line naming the remote and what to check (exit 2). A
pull that fails because the remote lacks some outputs says which (``dvc status --cloud``) and
that a clone which has them must ``make push``, rather than blaming the credentials.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from fmnist.dvc_adapter import QUERY_TIMEOUT_S, DvcError, dvc_json, run_dvc
from fmnist.errors import PipelineError
from fmnist.stage_runner import run_stage

DOCS = "docs/experiments.md#share-across-machines"
# a push or pull moves many files but never hangs this long with the remote answering
TRANSFER_TIMEOUT_S = 6 * 3600
FIXES = {
    "s3": "check the keys and endpointurl in .dvc/config.local "
    "(`dvc remote modify --local {name} access_key_id ...`) or your AWS profile",
    "ssh": "check the keyfile and user in .dvc/config.local "
    "(`dvc remote modify --local {name} keyfile ~/.ssh/id_ed25519`) and that the host is up",
    "": "check that its url exists and is writable",
}


@dataclasses.dataclass(frozen=True)
class RemoteInfo:
    name: str
    url: str

    @property
    def scheme(self) -> str:
        scheme = urlsplit(self.url).scheme
        return scheme if scheme in FIXES else ""

    def describe(self) -> str:
        return f"remote '{self.name}' ({self.url})"

    def fix(self) -> str:
        return FIXES[self.scheme].format(name=self.name)

    @property
    def ssh_host(self) -> tuple[str, int, str]:
        """An SSH remote's host, port and its name in known_hosts (``[host]:port`` unless 22)."""
        url = urlsplit(self.url)
        port = url.port or 22
        return url.hostname, port, url.hostname if port == 22 else f"[{url.hostname}]:{port}"


def default_remote(name: str | None = None) -> RemoteInfo:
    """The remote DVC would use: ``name``, or the default of the merged config levels."""
    from dvc.config import Config

    config = Config.from_cwd()
    name = name or config["core"].get("remote")
    if not name:
        raise PipelineError("no default DVC remote: `dvc remote add -d --local NAME URL` (README)")
    if name not in config["remote"]:
        raise PipelineError(f"remote '{name}' is not configured (`dvc remote list`)")
    return RemoteInfo(name, config["remote"][name]["url"])


def host_key_problem(
    remote: RemoteInfo, offered: Sequence[str], known: Sequence[str], known_hosts: Path
) -> str | None:
    """Why the SSH host's key cannot be trusted, or None when ``known_hosts`` pins a key the
    server offers. ``offered``: ``ssh-keyscan``'s lines; ``known``: ``ssh-keygen -F``'s."""
    host, port, target = remote.ssh_host
    if not offered:
        return f"{remote.describe()}: {target} does not answer on SSH; is the server up?"
    scan = f"ssh-keyscan -p {port} {host}"
    if not known:
        return (
            f"{remote.describe()}: {target} is not in {known_hosts}, and DVC's SSH client checks "
            f"no host key; compare `{scan} | ssh-keygen -lf -` with the fingerprint the "
            f"server's admin gives you, then `{scan} >> {known_hosts}`"
        )
    if not _keys(offered) & _keys(known):
        return (
            f"{remote.describe()}: the host key {target} offers is not the one {known_hosts} "
            "pins: another server, or a changed key; refusing (ask the server's admin)"
        )
    return None


def _keys(lines: Sequence[str]) -> set[tuple[str, ...]]:
    """(type, base64) of each key line of ssh-keyscan or known_hosts, comments skipped."""
    return {tuple(line.split()[1:3]) for line in lines if line.strip() and line[0] != "#"}


def check_host_key(remote: RemoteInfo, known_hosts: Path) -> None:
    host, port, target = remote.ssh_host
    offered = subprocess.run(
        ["ssh-keyscan", "-T", "5", "-p", str(port), host],
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    known = []
    if known_hosts.exists():
        known = subprocess.run(
            ["ssh-keygen", "-F", target, "-f", str(known_hosts)], capture_output=True, text=True
        ).stdout.splitlines()
    problem = host_key_problem(remote, offered, known, known_hosts)
    if problem:
        raise PipelineError(problem)


def missing_on_remote(remote: RemoteInfo) -> list[str]:
    """The outputs of dvc.lock that neither the local cache nor ``remote`` holds."""
    try:
        status = dvc_json(["status", "--cloud", "-r", remote.name], timeout_s=QUERY_TIMEOUT_S)
    except DvcError:
        return []  # the remote cannot be listed either: the credentials message stands
    return sorted(path for path, state in status.items() if state == "missing")


def transfer_failure(action: str, remote: RemoteInfo, missing: Sequence[str]) -> str:
    """The one line that ends a failed push or pull: the outputs the remote lacks, when that
    is why, else what to check for this kind of remote."""
    if action == "pull" and missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return (
            f"{remote.describe()} lacks {len(missing)} output(s) of dvc.lock: {shown}; a clone "
            "that has them must `make push` (or run `dvc repro` here to make them)"
        )
    return f"{remote.describe()}: dvc {action} failed (DVC's message above); {remote.fix()} ({DOCS})"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("push", "pull"))
    parser.add_argument("-r", "--remote", help="a remote other than the default")
    args = parser.parse_args(argv)
    remote = default_remote(args.remote)
    if remote.scheme == "ssh":
        check_host_key(remote, Path("~/.ssh/known_hosts").expanduser())
    moved = run_dvc(
        [args.action, "--run-cache", "-r", remote.name],
        capture=False,  # DVC's progress and messages as they come
        check=False,
        timeout_s=TRANSFER_TIMEOUT_S,
    )
    if not moved.ok:
        missing = missing_on_remote(remote) if args.action == "pull" else []
        raise PipelineError(transfer_failure(args.action, remote, missing))
    if args.action == "pull":
        run_dvc(["status"], capture=False, check=False, timeout_s=QUERY_TIMEOUT_S)


if __name__ == "__main__":
    raise SystemExit(run_stage(main, None))
