"""What every check is: a kind of finding and one function from the audit's context to rows of
the findings table (:mod:`fmnist.audit.table`)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from fmnist.audit.table import Pool
from fmnist.params import AuditParams


@dataclasses.dataclass
class Context:
    """The data a check looks at, with what more than one check needs, made once when first
    asked for."""

    pool: Pool
    params: AuditParams

    @functools.cached_property
    def features(self) -> np.ndarray:
        """Each image's pixels + HOG features in PCA (:mod:`fmnist.audit.probabilities`)."""
        from fmnist.audit.probabilities import image_features

        return image_features(self.pool.images, self.params.seed)

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """Out-of-fold predicted probabilities, (images, classes), from ``audit.model``."""
        from fmnist.audit.probabilities import out_of_fold_probabilities

        return out_of_fold_probabilities(self)


@dataclasses.dataclass(frozen=True)
class Check:
    kind: str  # the findings' kind, and their name in counts and on the review page
    pairs: bool  # True: each finding is two images (copies); False: one image
    find: Callable[[Context], pd.DataFrame]  # rows of fmnist.audit.table.COLUMNS
    title: str  # what the check finds, for galleries and docs
