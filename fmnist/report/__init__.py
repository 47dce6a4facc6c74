"""The study report, one module per concern:

- :mod:`.runs`: experiments from `dvc exp show --json` as runs and configurations;
- :mod:`.comparisons`: aggregation over seeds and paired tests between configurations;
- :mod:`.claims`: the study's reported numbers set against them;
- :mod:`.figures` and :mod:`.markdown`: the figures and the tables;
- :mod:`.page`: the page, in the order a reader asks;
- :mod:`.search`: the section of a hyperparameter search (``fmnist search``);
- :mod:`.snapshot`: what the report read, saved beside it so that a clone makes it again.

Pure functions, except :mod:`.experiments`, which reads the experiments, predictions and
studies, and :mod:`.snapshot`; ``fmnist report`` (:mod:`fmnist.console.report`) writes the
files.
"""

from fmnist.report.claims import (
    CLAIMS,
    STUDY_SVM,
    Claim,
    claims_table,
    fewer_layers_claim,
    group_index,
    level_verdict,
    mean_std,
    speed_claim,
    with_changes,
)
from fmnist.report.comparisons import (
    aggregate,
    comparison_verdict,
    paired_comparison,
)
from fmnist.report.markdown import (
    comparisons_table,
    configurations_table,
    grid_tables,
    two_way,
)
from fmnist.report.runs import (
    ABSENT,
    ALPHA,
    DATA_SECTIONS,
    STATS,
    Config,
    ReportError,
    collect_runs,
    label,
    model_config,
    rounded,
    shown,
    value,
    varying_keys,
)
from fmnist.report.search import history_figure, search_markdown, trials_table

__all__ = [
    "ABSENT",
    "ALPHA",
    "CLAIMS",
    "DATA_SECTIONS",
    "STATS",
    "STUDY_SVM",
    "Claim",
    "Config",
    "ReportError",
    "aggregate",
    "claims_table",
    "collect_runs",
    "comparison_verdict",
    "comparisons_table",
    "configurations_table",
    "fewer_layers_claim",
    "grid_tables",
    "group_index",
    "history_figure",
    "label",
    "level_verdict",
    "mean_std",
    "model_config",
    "paired_comparison",
    "rounded",
    "search_markdown",
    "shown",
    "speed_claim",
    "trials_table",
    "two_way",
    "value",
    "varying_keys",
    "with_changes",
]
