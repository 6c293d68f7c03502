"""What a reader should take away from a comparison, computed from its results.

* Agreement: for every item answered by two or more models, the mean pairwise cosine similarity of the
  answers' content words (:func:`llmbench.evaluators.text.text_similarity`). Items at or above
  ``CONSENSUS_THRESHOLD`` (0.5) are consensus areas, below ``DIVERGENCE_THRESHOLD`` (0.2) divergence areas;
  ``mean_agreement`` is the mean over those items.
* Significance and ties come from the statistics report (:mod:`llmbench.stats`): paired tests on the values the
  ranking uses (a failed call counts 0), corrected across pairs. Models that are not significantly different
  are reported as tied ("A and B are tied"), never ordered by noise; the significant differences on quality and
  on the overall score become findings. Without statistics the summary says why.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict

from llmbench.evaluators.text import content_words, cosine, term_frequencies
from llmbench.ranking import item_table, pairwise_matrix
from llmbench.recommendations import tied_text
from llmbench.stats.pairwise import Family, metric_tests
from llmbench.types import (
    ComparativeAnalysis,
    DatasetItem,
    Finding,
    Interval,
    ModelRanking,
    ModelResult,
    RankingOptions,
    SignificanceTest,
    StatisticsConfig,
    StatisticsReport,
)

__all__ = [
    "CONSENSUS_THRESHOLD",
    "DIVERGENCE_THRESHOLD",
    "MAX_SIGNIFICANCE_FINDINGS",
    "analyze",
    "answer_agreement",
    "significance_tests",
]

CONSENSUS_THRESHOLD = 0.5
DIVERGENCE_THRESHOLD = 0.2
#: Significant differences listed as findings (strongest first); the report's table has every test.
MAX_SIGNIFICANCE_FINDINGS = 10
_SNIPPET = 60
_TEST_NAMES = {
    "paired-t": "paired t",
    "mcnemar-exact": "exact McNemar",
    "bootstrap": "bootstrap SE, t",
    "sign-exact": "sign",
}
_CORRECTIONS = {"holm": "Holm", "bh": "Benjamini–Hochberg"}


def answer_agreement(results: list[ModelResult]) -> dict[str, float]:
    """Item id -> mean pairwise similarity of the successful answers to it (items with ≥ 2 answers only).

    The similarity is :func:`~llmbench.evaluators.text.text_similarity`, with each answer's word vector built once
    instead of once per pair (10 models × 100 items: 0.3 s → 0.05 s).
    """
    answers: dict[str, list[str]] = defaultdict(list)
    for result in results:
        if result.success:
            answers[result.item_id].append(result.response or "")
    agreement = {}
    for item_id, texts in answers.items():
        if len(texts) >= 2:
            vectors = [term_frequencies(content_words(text)) for text in texts]
            agreement[item_id] = statistics.fmean(cosine(a, b) for a, b in itertools.combinations(vectors, 2))
    return agreement


def significance_tests(
    results: list[ModelResult], metric: str = "quality", config: StatisticsConfig | None = None
) -> list[SignificanceTest]:
    """Paired tests of every pair of models (sorted by name) on one per-item metric, corrected across the pairs.

    The values are those of the ranking: a failed call counts as 0 quality (and 0 on the metrics that apply to
    the item). Pairs with fewer than two shared items are skipped.
    """
    config = config or StatisticsConfig()
    table = item_table(results)
    table = table.select(sorted(table.models))
    values = table.quality if metric == "quality" else table.metrics.get(metric)
    if values is None:
        return []
    family = Family(config.alpha, config.correction, config.power)
    return metric_tests(metric, values, table.present & ~table.success, table.models, family)


def _describe_item(item_id: str, items: dict[str, DatasetItem]) -> str:
    item = items.get(item_id)
    if item is None:
        return item_id
    prompt = " ".join(item.prompt.split())
    snippet = prompt if len(prompt) <= _SNIPPET else prompt[: _SNIPPET - 1].rstrip() + "…"
    return f"{item_id} ({snippet!r})"


def _ci(interval: Interval | None) -> str:
    return "" if interval is None else f" [{interval.low:.3f}, {interval.high:.3f}]"


def _correction(report: StatisticsReport) -> str:
    return f"{_CORRECTIONS.get(report.correction, report.correction)} correction, alpha {report.alpha:g}"


def _lead(scored: list[ModelRanking], n_models: int, report: StatisticsReport | None) -> str:
    winner = scored[0]
    if len(scored) == 1:
        return f"{winner.model} is the only model with an overall score ({winner.overall_score:.3f})"
    runner = scored[1]
    margin = (winner.overall_score or 0.0) - (runner.overall_score or 0.0)
    if report is None or not report.enabled or winner.rank_group is None:
        return (
            f"{winner.model} ranks first of {n_models} models with overall score {winner.overall_score:.3f}, "
            f"ahead of {runner.model} by {margin:.3f}"
        )
    tied = [r for r in scored if r.rank_group == winner.rank_group]
    if len(tied) > 1:
        scores = " and ".join(f"{r.overall_score:.3f}{_ci(r.overall_interval)}" for r in tied[:3])
        more = f" and {len(tied) - 3} more" if len(tied) > 3 else ""
        return (
            f"{tied_text([r.model for r in tied])} are tied for first of {n_models} models (overall {scores}{more}; "
            f"not significantly different after {_correction(report)})"
        )
    return (
        f"{winner.model} ranks first of {n_models} models with overall score {winner.overall_score:.3f}"
        f"{_ci(winner.overall_interval)}, ahead of {runner.model} by {margin:.3f} (significant after "
        f"{_correction(report)})"
    )


def _summary(
    results: list[ModelResult],
    ranked: list[ModelRanking],
    all_rankings: list[ModelRanking],
    report: StatisticsReport | None,
) -> str:
    n_models = len(all_rankings)
    n_items = len({r.item_id for r in results})
    failed = sum(1 for r in results if not r.success)
    tail = f" {failed} of {len(results)} calls failed." if failed else " Every call succeeded."
    items = f"{n_items} item{'s' if n_items != 1 else ''}"
    if report is not None and not report.enabled and report.reason:
        tail += f" No intervals or tests: {report.reason}."
    if not ranked:
        return f"None of the {n_models} models answered any of the {items} successfully.{tail}"
    scored = [r for r in ranked if r.overall_score is not None]
    if not scored:
        return f"No model has an overall score: every price is unknown ([ranking] unknown_price = exclude).{tail}"
    return f"{_lead(scored, n_models, report)} over {items}.{tail}"


def _findings(ranked: list[ModelRanking], all_rankings: list[ModelRanking], options: RankingOptions) -> list[Finding]:
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
        findings.append(Finding(category="cost", description=_unknown_price(unknown, options), models=unknown))
    return findings


def _unknown_price(models: list[str], options: RankingOptions) -> str:
    policy = f'[ranking] unknown_price = "{options.unknown_price}"'
    if options.unknown_price == "pessimistic":
        effect = "its cost efficiency counts as 0 in the overall score, so missing data never helps"
    elif options.unknown_price == "exclude":
        effect = "no overall score; ranked after every model with a known price"
    else:
        effect = "cost efficiency not scored, overall score uses quality and performance only"
    return f"Price unknown for {', '.join(models)}: {effect} ({policy})"


def _describe_test(t: SignificanceTest, report: StatisticsReport) -> Finding:
    better, worse = (t.model_a, t.model_b) if (t.difference or 0) > 0 else (t.model_b, t.model_a)
    what = "the overall score" if t.metric == "overall" else t.metric
    gap = abs(t.difference or 0.0)
    low, high = sorted(abs(x) for x in (t.ci_low or 0.0, t.ci_high or 0.0))
    name = _TEST_NAMES.get(t.test, t.test)
    failed = f"; failed calls counted as 0: {t.failed_a} and {t.failed_b}" if t.failed_a or t.failed_b else ""
    return Finding(
        category="significance",
        description=(
            f"{better} beats {worse} on {what} by {gap:.3f} [{low:.3f}, {high:.3f}] ({name}, "
            f"{_CORRECTIONS.get(report.correction, report.correction)}-adjusted p = {t.p_adjusted:.3g}, "
            f"n = {t.n}{failed})"
        ),
        models=[better, worse],
    )


def _statistics_findings(report: StatisticsReport | None) -> list[Finding]:
    if report is None:
        return []
    if not report.enabled:
        return [Finding(category="statistics", description=f"No intervals or tests: {report.reason}")]
    findings = []
    for metric, label in (("overall", "the overall score"), ("quality", "quality")):
        for group in report.groups.get(metric, []):
            if len(group) > 1:
                findings.append(
                    Finding(
                        category="tie",
                        description=(
                            f"{tied_text(group)} are tied on {label}: not significantly different after "
                            f"{_correction(report)}"
                        ),
                        models=list(group),
                    )
                )
    significant = sorted(
        (t for t in report.tests if t.significant and t.metric in ("overall", "quality")),
        key=lambda t: (t.p_adjusted or 0.0, t.metric, t.model_a, t.model_b),
    )
    findings += [_describe_test(t, report) for t in significant[:MAX_SIGNIFICANCE_FINDINGS]]
    if len(significant) > MAX_SIGNIFICANCE_FINDINGS:
        rest = len(significant) - MAX_SIGNIFICANCE_FINDINGS
        findings.append(
            Finding(category="significance", description=f"{rest} more significant differences: see the report")
        )
    return findings


def analyze(
    results: list[ModelResult],
    rankings: list[ModelRanking],
    items: list[DatasetItem] | None = None,
    *,
    report: StatisticsReport | None = None,
    options: RankingOptions | None = None,
) -> ComparativeAnalysis:
    """Summary, findings, agreement between answers and the quality matrix of a comparison.

    ``report`` is the statistics report the rankings were grouped with; its corrected tests become the significance
    findings and its tie groups the "tied" statements.
    """
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
    findings = _findings(ranked, ordered, options or RankingOptions()) + _statistics_findings(report)
    tests = report.tests if report is not None and report.enabled else []
    return ComparativeAnalysis(
        summary=_summary(results, ranked, ordered, report),
        key_findings=findings,
        consensus_areas=consensus,
        divergence_areas=divergence,
        mean_agreement=statistics.fmean(agreement.values()) if agreement else None,
        pairwise_quality=pairwise_matrix(ordered),
        significance_tests=[t for t in tests if t.metric == "quality"],
    )
