"""The decisions of a review, kept as the corrections file the split stage applies.

Every decision becomes rows of that file (``fmnist.data.corrections``: image, action,
new_label, reason, reviewer, time), one row per image, the latest decision for an image
replacing the one before. The whole file is written beside itself, flushed to disk and renamed
over the old one before the server answers, under one lock: a SIGKILL at any moment leaves the
old file or the new one, never half of one, and two tabs or two reviewers deciding at once each
see their decision kept. Undo goes back through this server's decisions, last first.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from fmnist.data.corrections import REVIEW_COLUMNS, read_corrections
from fmnist.files import atomic_path
from fmnist.review.findings import Item, ReviewData

# what a person can decide, by the kind of item
SINGLE = ("keep", "take", "relabel", "drop")  # one image: label issue, excluded image
GROUP = ("keep", "drop", "keep_one", "drop_train_copies")  # a group of near-duplicates
REASON_CHARS = 300


class ReviewError(Exception):
    """A request that cannot be carried out: ``status`` is its HTTP code, the message one line."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


Row = dict[str, str]


@dataclasses.dataclass(frozen=True)
class Decision:
    id: str
    items: tuple[str, ...]
    action: str
    before: Mapping[str, Row | None]  # image -> its row before this decision (None: none)
    after: Mapping[str, Row]


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:REASON_CHARS]


class Ledger:
    """The decisions on ``data``'s items, kept in the corrections file at ``path``; ``reviewer``
    names who decides when a request names no one."""

    def __init__(self, path: Path, data: ReviewData, reviewer: str = ""):
        self.path = Path(path)
        self.data = data
        self.reviewer = one_line(reviewer)
        self.lock = threading.Lock()
        self.session = secrets.token_hex(4)  # decision ids of this server: a stale undo is told
        self.history: list[Decision] = []
        self.rows: dict[str, Row] = {}
        if self.path.exists():
            for row in read_corrections(self.path).to_dict(orient="records"):
                self.rows[row["image"]] = {column: row.get(column, "") for column in REVIEW_COLUMNS}

    # what the page reads
    def reviewed(self, item: Item) -> bool:
        return all(image.id in self.rows for image in item.images)

    def progress(self) -> dict[str, int]:
        return {
            "reviewed": sum(self.reviewed(item) for item in self.data.items),
            "total": len(self.data.items),
        }

    def state(self, item: Item) -> dict[str, Row]:
        return {image.id: self.rows[image.id] for image in item.images if image.id in self.rows}

    # deciding
    def rows_for(self, item: Item, action: str, label: str, keep: str, reason: str, who: str):
        """The rows that ``action`` on ``item`` writes, or :class:`ReviewError`."""
        allowed = GROUP if item.kind == "duplicates" else SINGLE
        if action not in allowed:
            raise ReviewError(
                400, f"action {action!r} is not one of {', '.join(allowed)} for a {item.kind} item"
            )
        stamp = {"reviewer": one_line(who) or self.reviewer or "anonymous", "time": now()}
        note = one_line(reason)

        def row(image: str, act: str, new_label: str, what: str) -> Row:
            text = f"review: {what}" + (f"; {note}" if note else "")
            return {"image": image, "action": act, "new_label": new_label, "reason": text, **stamp}

        if item.kind != "duplicates":
            [image] = item.images
            found = f"{item.kind.replace('_', ' ')} ({image.split}, given {image.label}"
            found += f", suggested {item.suggested})" if item.suggested else ")"
            if action == "take":
                if not item.suggested:
                    raise ReviewError(400, f"item {item.key} has no suggested label to take")
                label, action = item.suggested, "relabel"
            if action == "relabel":
                if label not in self.data.classes:
                    raise ReviewError(
                        400, f"class {label!r} is not in the data ({', '.join(self.data.classes)})"
                    )
                return [row(image.id, "relabel", label, f"{found}: relabelled {label}")]
            return [
                row(image.id, action, "", f"{found}: {'kept' if action == 'keep' else 'dropped'}")
            ]
        members = ", ".join(f"{i.split} {i.index} ({i.label})" for i in item.images)
        found = f"near-duplicates {members}" + (" across train and test" if item.leak else "")
        if action in ("keep", "drop"):
            return [row(i.id, action, "", f"{found}: all {action}") for i in item.images]
        if action == "keep_one":
            if keep not in {i.id for i in item.images}:
                raise ReviewError(400, f"keep: image {keep!r} is not in group {item.key}")
            return [
                row(i.id, "keep" if i.id == keep else "drop", "", f"{found}: kept {keep} only")
                for i in item.images
            ]
        if not item.leak:
            raise ReviewError(400, f"group {item.key} holds no test image: no training copy to drop")
        return [
            row(
                i.id, "keep" if i.split == "test" else "drop", "", f"{found}: training copies dropped"
            )
            for i in item.images
        ]

    def decide(
        self,
        keys: Sequence[str],
        action: str,
        label: str = "",
        keep: str = "",
        reason: str = "",
        reviewer: str = "",
    ) -> Decision:
        """One decision on the items named by ``keys`` (a bulk action when several), on disk
        before it returns; nothing changes when any of them cannot be decided so."""
        unknown = [key for key in keys if key not in self.data.by_key]
        if unknown or not keys:
            raise ReviewError(404, f"no such item: {unknown[0] if unknown else '(none named)'}")
        new: dict[str, Row] = {}
        for key in keys:
            for row in self.rows_for(self.data.by_key[key], action, label, keep, reason, reviewer):
                new[row["image"]] = row
        with self.lock:
            decision = Decision(
                f"{self.session}-{len(self.history) + 1}",
                tuple(keys),
                action,
                {image: self.rows.get(image) for image in new},
                new,
            )
            self.apply(decision.after)
            self.history.append(decision)
        return decision

    def undo(self, decision_id: str) -> Decision:
        """Take back the last decision, which must be ``decision_id`` (else 409: a stale undo)."""
        with self.lock:
            last = self.history[-1] if self.history else None
            if last is None or last.id != decision_id:
                raise ReviewError(
                    409,
                    f"stale undo: decision {decision_id!r} is not the last one of this server "
                    f"(the last is {last.id if last else 'none'})",
                )
            self.apply(last.before)
            self.history.pop()
            return last

    def apply(self, rows: Mapping[str, Row | None]) -> None:
        """Change the rows (None removes one) and write the file; on a failed write, nothing
        changes in memory either. Called with the lock held."""
        previous = dict(self.rows)
        for image, row in rows.items():
            if row is None:
                self.rows.pop(image, None)
            else:
                self.rows[image] = row
        try:
            self.write()
        except OSError as exc:
            self.rows = previous
            raise ReviewError(500, f"{self.path}: cannot write the decisions ({exc})") from None

    def write(self) -> None:
        table = pd.DataFrame(list(self.rows.values()), columns=REVIEW_COLUMNS)
        with atomic_path(self.path) as tmp, tmp.open("w", newline="") as file:
            table.to_csv(file, index=False)
            file.flush()
            os.fsync(file.fileno())
