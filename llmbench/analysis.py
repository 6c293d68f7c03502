"""What a reader should take away from a comparison, computed from its results.

* Agreement: for every item answered by two or more models, the mean pairwise cosine similarity of the
  answers' content words (:func:`llmbench.evaluators.text.text_similarity`). Items at or above
  ``CONSENSUS_THRESHOLD`` (0.5) are consensus areas, below ``DIVERGENCE_THRESHOLD`` (0.2) divergence areas;
  ``mean_agreement`` is the mean over those items.
* Significance: paired Wilcoxon signed-rank tests between each pair of models over the items both answered
  successfully, when there are at least 5 such items and the differences are not all zero; significant at
  p < 0.05. They are run only when asked because with few items they mostly say "not enough data".
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict

from llmbench.evaluators.text import text_similarity
from llmbench.ranking import item_quality, pairwise_matrix
from llmbench.types import ComparativeAnalysis, DatasetItem, Finding, ModelRanking, ModelResult, SignificanceTest

__all__ = [
    "CONSENSUS_THRESHOLD",
    "DIVERGENCE_THRESHOLD",
    "MIN_PAIRED_ITEMS",
    "SIGNIFICANCE_LEVEL",
    "analyze",
    "answer_agreement",
    "significance_tests",
]

CONSENSUS_THRESHOLD = 0.5
DIVERGENCE_THRESHOLD = 0.2
MIN_PAIRED_ITEMS = 5
SIGNIFICANCE_LEVEL = 0.05
_SNIPPET = 60


def answer_agreement(results: list[ModelResult]) -> dict[str, float]:
    """Item id -> mean pairwise similarity of the successful answers to it (items with ≥ 2 answers only)."""
    answers: dict[str, list[str]] = defaultdict(list)
    for result in results:
        if result.success:
            answers[result.item_id].append(result.response or "")
    return {
        item_id: statistics.fmean(text_similarity(a, b) for a, b in itertools.combinations(texts, 2))
        for item_id, texts in answers.items()
        if len(texts) >= 2
    }


def _per_item_values(results: list[ModelResult], metric: str) -> dict[str, dict[str, float]]:
    """Model -> item id -> value of ``metric`` ("quality" is :func:`item_quality`); repeats are averaged."""
    collected: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        if not r.success:
            continue
        if metric == "quality":
            collected[r.model][r.item_id].append(item_quality(r.scores))
        elif metric in r.scores:
            collected[r.model][r.item_id].append(r.scores[metric])
    return {m: {i: statistics.fmean(v) for i, v in items.items()} for m, items in collected.items()}


def significance_tests(results: list[ModelResult], metric: str = "quality") -> list[SignificanceTest]:
    """Paired Wilcoxon signed-rank test for each pair of models (sorted by name) on ``metric``.

    Pairs with fewer than MIN_PAIRED_ITEMS shared items, or whose differences are all zero, are skipped:
    the test is undefined there, and reporting p=1 would look like evidence.
    """
    from scipy import stats  # ~0.4 s to import: only runs that ask for significance tests pay it

    values = _per_item_values(results, metric)
    tests: list[SignificanceTest] = []
    for model_a, model_b in itertools.combinations(sorted(values), 2):
        shared = sorted(set(values[model_a]) & set(values[model_b]))
        if len(shared) < MIN_PAIRED_ITEMS:
            continue
        a = [values[model_a][i] for i in shared]
        b = [values[model_b][i] for i in shared]
        if all(x == y for x, y in zip(a, b, strict=True)):
            continue
        outcome = stats.wilcoxon(a, b)
        statistic, p_value = float(outcome.statistic), float(outcome.pvalue)
        if math.isnan(p_value):
            continue
        tests.append(
            SignificanceTest(
                metric=metric,
                model_a=model_a,
                model_b=model_b,
                test="wilcoxon",
                statistic=statistic,
                p_value=p_value,
                significant=p_value < SIGNIFICANCE_LEVEL,
                n=len(shared),
            )
        )
    return tests


def _describe_item(item_id: str, items: dict[str, DatasetItem]) -> str:
    item = items.get(item_id)
    if item is None:
        return item_id
    prompt = " ".join(item.prompt.split())
    snippet = prompt if len(prompt) <= _SNIPPET else prompt[: _SNIPPET - 1].rstrip() + "…"
    return f"{item_id} ({snippet!r})"


def _summary(results: list[ModelResult], ranked: list[ModelRanking], all_rankings: list[ModelRanking]) -> str:
    n_models = len(all_rankings)
    n_items = len({r.item_id for r in results})
    failed = sum(1 for r in results if not r.success)
    tail = f" {failed} of {len(results)} calls failed." if failed else " Every call succeeded."
    items = f"{n_items} item{'s' if n_items != 1 else ''}"
    if not ranked:
        return f"None of the {n_models} models answered any of the {items} successfully.{tail}"
    winner = ranked[0]
    if len(ranked) == 1:
        lead = f"{winner.model} is the only model with a successful answer (overall score {winner.overall_score:.3f})"
    else:
        runner = ranked[1]
        margin = winner.overall_score - runner.overall_score
        lead = (
            f"{winner.model} ranks first of {n_models} models with overall score {winner.overall_score:.3f}, "
            f"ahead of {runner.model} by {margin:.3f}"
        )
    return f"{lead} over {items}.{tail}"


def _findings(ranked: list[ModelRanking], all_rankings: list[ModelRanking]) -> list[Finding]:
    findings: list[Finding] = []
    if len(ranked) >= 2:
        top = max(ranked, key=lambda r: r.component_scores.quality)
        low = min(ranked, key=lambda r: r.component_scores.quality)
        spread = top.component_scores.quality - low.component_scores.quality
        findings.append(
            Finding(
                category="quality",
                description=(
                    f"Quality ranges from {low.component_scores.quality:.3f} ({low.model}) to "
                    f"{top.component_scores.quality:.3f} ({top.model}), a spread of {spread:.3f}"
                ),
                models=[top.model, low.model],
            )
        )
        best = ranked[0]
        timed = [r for r in ranked if r.latency_ms]
        fastest = min(timed, key=lambda r: r.latency_ms or 0.0) if timed else None
        if fastest is not None and best.latency_ms and best.latency_ms > (fastest.latency_ms or 0.0):
            factor = best.latency_ms / (fastest.latency_ms or 1.0)
            findings.append(
                Finding(
                    category="trade-off",
                    description=(
                        f"The fastest model, {fastest.model} ({fastest.latency_ms:.0f} ms), is {factor:.1f}× faster "
                        f"than the best one, {best.model} ({best.latency_ms:.0f} ms), at quality "
                        f"{fastest.component_scores.quality:.3f} vs {best.component_scores.quality:.3f}"
                    ),
                    models=[fastest.model, best.model],
                )
            )
        priced = [r for r in ranked if r.cost_usd is not None]
        cheapest = min(priced, key=lambda r: r.cost_usd or 0.0) if priced else None
        if cheapest is not None and best.cost_usd is not None and best.cost_usd > (cheapest.cost_usd or 0.0):
            if cheapest.cost_usd:
                relation = f"{best.cost_usd / cheapest.cost_usd:.1f}× the cost of"
            else:
                relation = "more than the free"
            findings.append(
                Finding(
                    category="trade-off",
                    description=(
                        f"The best model, {best.model}, costs ${best.cost_usd:.6f} per item, {relation} "
                        f"{cheapest.model} (${cheapest.cost_usd:.6f}), which reaches quality "
                        f"{cheapest.component_scores.quality:.3f}"
                    ),
                    models=[best.model, cheapest.model],
                )
            )
    for r in all_rankings:
        if r.n_failed:
            findings.append(
                Finding(
                    category="reliability",
                    description=f"{r.model} failed {r.n_failed} of {r.n_items} calls ({1 - r.success_rate:.0%})",
                    models=[r.model],
                )
            )
    unknown = [r.model for r in ranked if not r.price_known]
    if unknown:
        findings.append(
            Finding(
                category="cost",
                description=(
                    f"Price unknown for {', '.join(unknown)}: cost efficiency not scored, overall score uses "
                    "quality and performance only"
                ),
                models=unknown,
            )
        )
    return findings


def analyze(
    results: list[ModelResult],
    rankings: list[ModelRanking],
    items: list[DatasetItem] | None = None,
    *,
    statistical_tests: bool = False,
) -> ComparativeAnalysis:
    """Summary, findings, agreement between answers and the quality matrix of a comparison."""
    by_id = {item.id: item for item in items or []}
    ordered = sorted(rankings, key=lambda r: r.rank)
    ranked = [r for r in ordered if r.success_rate > 0]
    agreement = answer_agreement(results)
    consensus = [
        f"{_describe_item(i, by_id)}: answers agree (mean similarity {s:.2f})"
        for i, s in sorted(agreement.items())
        if s >= CONSENSUS_THRESHOLD
    ]
    divergence = [
        f"{_describe_item(i, by_id)}: answers diverge (mean similarity {s:.2f})"
        for i, s in sorted(agreement.items())
        if s < DIVERGENCE_THRESHOLD
    ]
    findings = _findings(ranked, ordered)
    tests = significance_tests(results) if statistical_tests else []
    for test in tests:
        if test.significant:
            findings.append(
                Finding(
                    category="significance",
                    description=(
                        f"{test.model_a} and {test.model_b} differ in {test.metric} "
                        f"(Wilcoxon p={test.p_value:.3g}, n={test.n})"
                    ),
                    models=[test.model_a, test.model_b],
                )
            )
    return ComparativeAnalysis(
        summary=_summary(results, ranked, ordered),
        key_findings=findings,
        consensus_areas=consensus,
        divergence_areas=divergence,
        mean_agreement=statistics.fmean(agreement.values()) if agreement else None,
        pairwise_quality=pairwise_matrix(ordered),
        significance_tests=tests,
    )
