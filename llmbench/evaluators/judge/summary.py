"""A run's judge budget line: the judge usage of every row added up, in total and per metric.

Agreement of repeats per metric is the mean, over the answers judged with at least two usable repeats, of each
answer's mean absolute deviation and identical share (``details["agreement"]`` of its verdict).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from llmbench.types import JudgeAgreement, JudgeSummary, JudgeUsage, ModelResult

__all__ = ["summarize_judging"]


def summarize_judging(results: Sequence[ModelResult]) -> JudgeSummary | None:
    """The judge's cost and failures over ``results``; None when no row was judged."""
    by_metric: dict[str, JudgeUsage] = {}
    for row in results:
        for metric, usage in row.judge_usage.items():
            by_metric[metric] = by_metric[metric].plus(usage) if metric in by_metric else usage
    if not by_metric:
        return None
    names = sorted(by_metric)
    total = by_metric[names[0]]
    for name in names[1:]:
        total = total.plus(by_metric[name])
    return JudgeSummary(total=total, by_metric={n: by_metric[n] for n in names}, agreement=_agreement(results, names))


def _agreement(results: Sequence[ModelResult], metrics: list[str]) -> dict[str, JudgeAgreement]:
    out: dict[str, JudgeAgreement] = {}
    for metric in metrics:
        found = [
            JudgeAgreement.model_validate(row.score_details[metric]["agreement"])
            for row in results
            if metric in row.scores and "agreement" in row.score_details.get(metric, {})
        ]
        if found:
            out[metric] = JudgeAgreement(
                items=len(found),
                mean_abs_deviation=statistics.fmean(a.mean_abs_deviation for a in found),
                identical_share=statistics.fmean(a.identical_share for a in found),
            )
    return out
