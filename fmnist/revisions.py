"""Git revisions and DVC experiment names, checked before anything is read at them."""

from __future__ import annotations

from fmnist.errors import PipelineError


class UnknownRevision(PipelineError):
    """A revision or experiment name that this repository does not have."""


def resolve_revision(rev: str, root: str = ".") -> str:
    """The commit SHA of git revision or DVC experiment name ``rev``, or one clear error."""
    from dvc.repo import Repo  # slow to import; only the commands that take a revision need it
    from dvc.scm import RevError, resolve_rev

    with Repo(root) as repo:
        try:
            return resolve_rev(repo.scm, rev)
        except RevError:
            raise UnknownRevision(
                f"unknown revision {rev!r}: not a git revision or DVC experiment of this "
                "repository (see `git log`, `dvc exp list`)"
            ) from None
