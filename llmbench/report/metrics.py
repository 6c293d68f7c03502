"""Where each metric scored, did not apply, or failed: a quality built on fewer answers than it seems is said so."""

from __future__ import annotations

from pydantic import BaseModel

from llmbench.report.format import score_names
from llmbench.types import ComparisonResult

__all__ = ["MetricCoverage", "metric_coverage"]


class MetricCoverage(BaseModel):
    """Answers a metric scored, could not run on (no reference, no context...) and failed to score (judge)."""

    metric: str
    scored: int = 0
    not_applicable: int = 0
    failed: int = 0
    answers: int = 0

    def text(self) -> str:
        parts = [f"scored {self.scored} of {self.answers} answers"]
        if self.not_applicable:
            parts.append(f"not applicable to {self.not_applicable} (left out of their quality)")
        if self.failed:
            parts.append(f"failed to score {self.failed} (no score, counted in the Judge section)")
        return f"`{self.metric}`: " + "; ".join(parts)


def metric_coverage(result: ComparisonResult) -> dict[str, MetricCoverage]:
    """Per metric, over the successful answers (a failed call has no answer to score)."""
    coverage = {name: MetricCoverage(metric=name) for name in score_names(result)}
    for row in result.results:
        if not row.success:
            continue
        for name, c in coverage.items():
            c.answers += 1
            if name in row.scores:
                c.scored += 1
            elif name in row.not_applicable:
                c.not_applicable += 1
            elif name in row.eval_errors:
                c.failed += 1
    return coverage
