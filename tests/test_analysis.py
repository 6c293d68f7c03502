"""Comparative analysis: agreement between answers, the summary, findings and significance tests."""

from __future__ import annotations

import pytest
from scipy import stats

import llmbench.analysis as analysis_module
from llmbench.analysis import analyze, answer_agreement, significance_tests
from llmbench.comparison import rank_results
from llmbench.ranking import RankingEngine
from llmbench.types import DatasetItem, ModelResult, RankingWeights

PHOTO = "Photosynthesis lets plants turn sunlight, water and carbon dioxide into glucose and oxygen."
PHOTO_2 = "Plants use sunlight, water and carbon dioxide to make glucose, and release oxygen."
WEATHER = "The weather in coastal towns changes quickly, so travellers should pack a light jacket."
ESPRESSO = "A good espresso depends on grind size, water temperature and a steady tamp."
RAILWAY = "Railway timetables were standardised in the nineteenth century to keep trains from colliding."

ITEMS = [
    DatasetItem(id="photo", prompt="How does photosynthesis work?"),
    DatasetItem(id="misc", prompt="Tell me something interesting about everyday life in a long sentence, please."),
]


def _ok(model: str, item: str, response: str, quality: float, latency: float, cost: float | None) -> ModelResult:
    return ModelResult(
        model=model,
        item_id=item,
        success=True,
        response=response,
        latency_ms=latency,
        cost_usd=cost,
        scores={"accuracy": quality},
    )


def _results() -> list[ModelResult]:
    return [
        _ok("big", "photo", PHOTO, 0.9, 1000, 0.02),
        _ok("small", "photo", PHOTO_2, 0.8, 250, 0.002),
        _ok("odd", "photo", PHOTO, 0.6, 500, None),
        _ok("big", "misc", WEATHER, 0.9, 1000, 0.02),
        _ok("small", "misc", ESPRESSO, 0.8, 250, 0.002),
        ModelResult(model="odd", item_id="misc", success=False, error="HTTP 503", error_type="ServerError"),
        _ok("solo", "misc", RAILWAY, 0.1, 100, 0.001),
    ]


def test_public_api() -> None:
    for name in analysis_module.__all__:
        assert hasattr(analysis_module, name)


def test_consensus_and_divergence_from_answers() -> None:
    agreement = answer_agreement(_results())
    assert agreement["photo"] >= 0.5
    assert agreement["misc"] < 0.2
    result = analyze(_results(), RankingEngine().rank(_results()), ITEMS)
    assert len(result.consensus_areas) == 1 and result.consensus_areas[0].startswith("photo")
    assert "photosynthesis" in result.consensus_areas[0]
    assert len(result.divergence_areas) == 1 and result.divergence_areas[0].startswith("misc")
    assert result.mean_agreement == pytest.approx((agreement["photo"] + agreement["misc"]) / 2)


def test_identical_answers_agree_fully() -> None:
    same = [_ok("a", "p", PHOTO, 0.5, 1, 0.0), _ok("b", "p", PHOTO, 0.5, 1, 0.0)]
    assert answer_agreement(same) == {"p": pytest.approx(1.0)}
    single = answer_agreement([_ok("a", "p", PHOTO, 0.5, 1, 0.0)])
    assert single == {}


def test_summary_and_findings_come_from_the_data() -> None:
    results = _results()
    rankings = RankingEngine().rank(results)
    result = analyze(results, rankings, ITEMS)
    winner, runner = rankings[0], rankings[1]
    assert winner.model in result.summary
    assert f"{winner.overall_score - runner.overall_score:.3f}" in result.summary
    assert "4 models" in result.summary
    assert "1 of 7 calls failed" in result.summary
    descriptions = " | ".join(f.description for f in result.key_findings)
    categories = {f.category for f in result.key_findings}
    assert {"quality", "reliability", "cost"} <= categories
    assert "odd failed 1 of 2 calls" in descriptions
    assert "Price unknown for odd" in descriptions
    assert result.pairwise_quality[winner.model][winner.model] == 0.0
    assert result.significance_tests == []


def test_summary_changes_with_the_winner() -> None:
    a = [_ok("alpha", "p", PHOTO, 0.9, 100, 0.01), _ok("beta", "p", PHOTO_2, 0.2, 100, 0.01)]
    b = [_ok("alpha", "p", PHOTO, 0.2, 100, 0.01), _ok("beta", "p", PHOTO_2, 0.9, 100, 0.01)]
    summary_a = analyze(a, RankingEngine().rank(a)).summary
    summary_b = analyze(b, RankingEngine().rank(b)).summary
    assert summary_a.startswith("alpha") and summary_b.startswith("beta")
    assert "Every call succeeded" in summary_a


def test_speed_trade_off_finding() -> None:
    results = [_ok("slow-best", "p", PHOTO, 0.95, 2000, 0.01), _ok("quick", "p", PHOTO_2, 0.7, 500, 0.01)]
    result = analyze(results, RankingEngine().rank(results))
    trade = [f for f in result.key_findings if "faster" in f.description]
    assert len(trade) == 1
    assert "4.0× faster" in trade[0].description
    assert trade[0].models == ["quick", "slow-best"]


def test_significance_tests_match_scipy_and_count_failures_as_zero() -> None:
    a = [0.91, 0.85, 0.78, 0.88, 0.95, 0.70, 0.83, 0.90]
    b = [0.80, 0.86, 0.60, 0.75, 0.81, 0.72, 0.65, 0.70]
    results = [_ok("m-a", f"i{i}", "x", q, 10, 0.0) for i, q in enumerate(a)]
    results += [_ok("m-b", f"i{i}", "x", q, 10, 0.0) for i, q in enumerate(b[:-1])]
    results.append(ModelResult(model="m-b", item_id="i7", success=False, error="HTTP 503", error_type="ServerError"))
    (test,) = significance_tests(results)
    b_as_ranked = [*b[:-1], 0.0]  # the failed call counts as 0, as in the ranking, and is reported
    t = stats.ttest_rel(a, b_as_ranked)
    w = stats.wilcoxon(a, b_as_ranked, method="exact")
    assert (test.model_a, test.model_b, test.n, test.test) == ("m-a", "m-b", 8, "paired-t")
    assert (test.failed_a, test.failed_b) == (0, 1)
    assert test.statistic == pytest.approx(float(t.statistic), abs=1e-9)
    assert test.p_value == pytest.approx(float(t.pvalue), abs=1e-9)
    assert test.p_adjusted == test.p_value  # one pair: nothing to correct
    assert test.wilcoxon_p == pytest.approx(float(w.pvalue), abs=1e-9) and test.wilcoxon_method == "exact"
    assert test.significant == (t.pvalue <= 0.05)


def test_significance_findings_and_ties_come_from_the_statistics_report() -> None:
    quality = {"strong": [0.9] * 12, "twin-a": [0.5, 0.6] * 6, "twin-b": [0.6, 0.5] * 6}
    results = [_ok(m, f"i{i}", "x", q, 10, 0.001) for m, qs in quality.items() for i, q in enumerate(qs)]
    outcome = rank_results(results, RankingWeights())
    analysis = analyze(results, outcome.rankings, report=outcome.statistics)
    assert "strong ranks first of 3 models" in analysis.summary and "significant after Holm" in analysis.summary
    ties = [f for f in analysis.key_findings if f.category == "tie"]
    assert any(f.models == ["twin-a", "twin-b"] and "are tied on quality" in f.description for f in ties)
    beats = [f.description for f in analysis.key_findings if f.category == "significance"]
    assert any(d.startswith("strong beats twin-a on quality by 0.350") for d in beats)
    assert all(t.metric == "quality" for t in analysis.significance_tests) and len(analysis.significance_tests) == 3


def test_without_enough_items_the_summary_says_why() -> None:
    few = [_ok(m, f"i{i}", "x", 0.5 + i / 10 * (m == "a"), 10, 0.0) for m in "ab" for i in range(4)]
    outcome = rank_results(few, RankingWeights())
    assert outcome.statistics is not None and not outcome.statistics.enabled
    analysis = analyze(few, outcome.rankings, report=outcome.statistics)
    assert "4 items: statistics need at least 10" in analysis.summary
    assert analysis.significance_tests == []
