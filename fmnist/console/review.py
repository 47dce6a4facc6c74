"""``fmnist review``: decide the audit's findings on a page; the decisions are the corrections file.

    fmnist review [--port 8765] [--corrections data/corrections/review.csv] [--reviewer NAME]
    fmnist review --summary

Serves the current data version's audit (``audit/findings.csv``, the split arrays, the class
names) on http://127.0.0.1:PORT until Ctrl-C, running nothing of the pipeline. Each decision
(keep the label, take the suggestion, relabel, drop; for near-duplicates keep one or drop the
training copies of a test image) is written to the corrections file before the page is
answered; ``dvc exp run -S data.corrections=FILE`` then trains on the version it makes.
``--summary`` prints what the decisions change and the commands that train and compare it.
Another ``--host`` than loopback needs the random token the printed URL carries.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

HELP = "decide the audit's findings on a page; the decisions are the corrections file"
DEFAULT_CORRECTIONS = "data/corrections/review.csv"
log = logging.getLogger("fmnist")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: a free one)")
    parser.add_argument(
        "--corrections",
        help="the corrections file the decisions go to, inside the repository (default: "
        f"params.yaml's data.corrections, else {DEFAULT_CORRECTIONS})",
    )
    parser.add_argument("--reviewer", default="", help="your name, kept with each decision")
    parser.add_argument(
        "--token",
        help="the token every request must carry (default: none on loopback, a random one on "
        "any other --host)",
    )
    parser.add_argument("--summary", action="store_true", help="print what the decisions change")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--split-dir", default="data/split")
    parser.add_argument("--audit-dir", default="audit")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def corrections_path(given: str | None, params_path: str) -> Path:
    """The corrections file, relative to the repository (the working directory), which it must
    be inside of."""
    from fmnist.errors import DataError
    from fmnist.params import load_params

    path = Path(given or load_params(params_path).data.corrections or DEFAULT_CORRECTIONS)
    root = Path.cwd().resolve()
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root):
        raise DataError(f"--corrections {path}: outside the repository ({root}); keep it inside")
    return resolved.relative_to(root)


def token_for(host: str, given: str | None) -> str | None:
    from fmnist.errors import DataError

    if is_loopback(host):
        return given or None
    if given == "":
        raise DataError(f"--host {host} is not loopback: it needs a token (leave --token out)")
    import secrets

    return given or secrets.token_urlsafe(24)


def run(args: argparse.Namespace) -> int:
    import socket
    import threading
    import time

    from fmnist.review.findings import load_review_data
    from fmnist.review.ledger import Ledger
    from fmnist.review.summary import review_summary, summary_text

    start = time.perf_counter()
    path = corrections_path(args.corrections, args.params)
    token = token_for(args.host, args.token)
    data = load_review_data(args.split_dir, args.audit_dir)
    ledger = Ledger(path, data, args.reviewer)
    summary = lambda: review_summary(ledger, args.params, args.split_dir)  # noqa: E731
    if args.summary:
        print(summary_text(summary()))
        return 0

    import uvicorn

    from fmnist.review.app import build_app

    notices: list[str] = []
    hosts = (args.host, "127.0.0.1", "localhost") if is_loopback(args.host) else (args.host,)
    app = build_app(ledger, token, hosts, summary, notices)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)  # from here a request waits for the server instead of being refused
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    progress = ledger.progress()
    print(
        f"review: {len(data.items)} findings ({progress['reviewed']} decided) of {args.audit_dir}, "
        f"decisions to {path}; ready in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    print(url, flush=True)

    def check_audit() -> None:  # dvc status takes seconds: the page is served meanwhile
        from fmnist.data.versions import split_is_stale

        if split_is_stale("audit"):
            line = (
                "the audit is out of date (its data, params or code changed): run `dvc repro audit`"
            )
            notices.append(line)
            print(f"warning: {line}", file=sys.stderr, flush=True)

    threading.Thread(target=check_audit, daemon=True).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
