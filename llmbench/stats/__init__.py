"""Statistics of a comparison: pure functions over per-item values, with numpy and scipy doing the math.

Nothing in this package imports :mod:`llmbench.types` at run time (only for type checking): ``llmbench.types``
re-exports :mod:`llmbench.stats.models`, so a run-time import back would be circular. scipy is imported inside the
functions that need it, so runs without statistics never pay its import.
"""

from llmbench.stats.bradley_terry import fit_strengths, ratings
from llmbench.stats.compute import compute_statistics, disabled_reason
from llmbench.stats.correction import adjust_pvalues
from llmbench.stats.models import (
    Interval,
    ModelStatistics,
    ParetoEntry,
    SignificanceTest,
    StatisticsConfig,
    StatisticsReport,
)
from llmbench.stats.paired import paired_comparison
from llmbench.stats.pareto import Point, pareto_frontier
from llmbench.stats.score import Scores, score
from llmbench.stats.table import ItemTable

__all__ = [
    "Interval",
    "ItemTable",
    "ModelStatistics",
    "ParetoEntry",
    "Point",
    "Scores",
    "SignificanceTest",
    "StatisticsConfig",
    "StatisticsReport",
    "adjust_pvalues",
    "compute_statistics",
    "disabled_reason",
    "fit_strengths",
    "paired_comparison",
    "pareto_frontier",
    "ratings",
    "score",
]
