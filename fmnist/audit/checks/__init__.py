"""The audit's checks, registered in one place.

A check is a module with a ``CHECK`` (:class:`~fmnist.audit.checks.base.Check`): its kind,
whether its findings are pairs of images or single images, and ``find(context)``, which returns
rows of the findings table (:mod:`fmnist.audit.table`), the most severe first. The audit runs
every check in :data:`CHECKS`, in this order; the counts, the galleries and the review page read
the rows whatever their kind. Adding a check is one module here plus one line below
(docs/audit.md, "Adding a check").
"""

from fmnist.audit.checks import (
    exact_duplicates,
    label_issues,
    near_duplicates,
    outliers,
    shifted_duplicates,
)
from fmnist.audit.checks.base import Check, Context

CHECKS: dict[str, Check] = {
    check.kind: check
    for check in (
        exact_duplicates.CHECK,
        near_duplicates.CHECK,
        shifted_duplicates.CHECK,
        label_issues.CHECK,
        outliers.CHECK,
    )
}

__all__ = ["CHECKS", "Check", "Context"]
