"""Label-issue candidates: cleanlab's confident learning on the out-of-fold probabilities
(:mod:`fmnist.audit.probabilities`, ``audit.model``). cleanlab's ``find_label_issues`` (filter
:data:`LABEL_FILTER`) picks the images whose given label is likely wrong, ranked by
self-confidence (the probability of the given label: the score); the suggested label is the
most probable class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fmnist.audit.checks.base import Check, Context
from fmnist.audit.table import image_rows

# cleanlab's filter: of its seven, on 4,000 real images with 80 labels flipped (out-of-fold
# accuracy 83%), this one found 97% of the flips with 25% precision (312 flagged); its default
# (prune_by_noise_rate) 84% with 17% (401 flagged). docs/audit.md has the table.
LABEL_FILTER = "low_self_confidence"


def label_issues(labels: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """The candidates, most likely wrong first: position, self-confidence, suggested label."""
    from cleanlab.filter import find_label_issues

    ranked = find_label_issues(
        labels, probabilities, filter_by=LABEL_FILTER, return_indices_ranked_by="self_confidence"
    )
    return pd.DataFrame(
        {
            "position": ranked,
            "self_confidence": probabilities[ranked, labels[ranked]],
            "suggested": probabilities[ranked].argmax(axis=1),
        }
    )


def find(context: Context) -> pd.DataFrame:
    issues = label_issues(context.pool.labels, context.probabilities)
    return image_rows(
        context.pool,
        issues["position"].to_numpy(),
        CHECK.kind,
        issues["self_confidence"].to_numpy(),
        suggested=issues["suggested"].to_numpy(),
    )


CHECK = Check(
    kind="label_issue",
    pairs=False,
    find=find,
    title="label-issue candidates (cleanlab, the least self-confident first)",
)
