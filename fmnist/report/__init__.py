"""The study report, one module per concern:

- :mod:`.runs`: experiments from `dvc exp show --json` as runs and configurations;
- :mod:`.comparisons`: aggregation over seeds and paired tests between configurations;
- :mod:`.claims`: the study's reported numbers set against them;
- :mod:`.figures` and :mod:`.markdown`: the figure, the tables and the page;
- :mod:`.search`: the section of a hyperparameter search (``fmnist search``).

Pure functions, except :mod:`.experiments`, which reads the experiments, predictions and
studies; ``fmnist report`` (:mod:`fmnist.console.report`) writes the files.
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
from fmnist.report.figures import (
    accuracy_figure,
)
from fmnist.report.markdown import (
    comparisons_table,
    configurations_table,
    render_markdown,
)
from fmnist.report.runs import (
    ABSENT,
    ALPHA,
    DATA_SECTIONS,
    MODELS,
    STATS,
    Config,
    ModelSpec,
    ReportError,
    collect_runs,
    label,
    model_config,
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
    "MODELS",
    "STATS",
    "STUDY_SVM",
    "Claim",
    "Config",
    "ModelSpec",
    "ReportError",
    "accuracy_figure",
    "aggregate",
    "claims_table",
    "collect_runs",
    "comparison_verdict",
    "comparisons_table",
    "configurations_table",
    "fewer_layers_claim",
    "group_index",
    "history_figure",
    "label",
    "level_verdict",
    "mean_std",
    "model_config",
    "paired_comparison",
    "render_markdown",
    "search_markdown",
    "shown",
    "speed_claim",
    "trials_table",
    "value",
    "varying_keys",
    "with_changes",
]
