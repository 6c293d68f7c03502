"""The statistics report: intervals of the very figures the ranking prints, tie groups, P(best), power, Pareto."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from llmbench.comparison import rank_results
from llmbench.ranking import RankingEngine, item_table
from llmbench.stats import Point, pareto_frontier
from llmbench.stats.figures import Layout, figures
from llmbench.stats.groups import group_lists, rank_groups
from llmbench.stats.power import items_needed_t
from llmbench.types import ModelResult, RankingOptions, RankingWeights, StatisticsConfig


def _rows(model: str, qualities: list[float], latency: float, cost: float | None, fail_every: int = 0):
    rng = np.random.default_rng(abs(hash(model)) % 2**32)
    rows = []
    for i, q in enumerate(qualities):
        if fail_every and i % fail_every == fail_every - 1:
            rows.append(ModelResult(model=model, item_id=f"i{i}", success=False, error="503", price_known=True))
            continue
        rows.append(
            ModelResult(
                model=model,
                item_id=f"i{i}",
                success=True,
                latency_ms=latency * (1 + 0.3 * rng.uniform(-1, 1)),
                cost_usd=cost,
                price_known=cost is not None,
                scores={"faithfulness": q, "relevance": min(1.0, q + 0.1), "coherence": 1.0},
            )
        )
    return rows


def _results(n: int = 30, seed: int = 0) -> list[ModelResult]:
    rng = np.random.default_rng(seed)
    return [
        *_rows("strong", list(rng.uniform(0.7, 1.0, n)), 400, 0.01),
        *_rows("cheap", list(rng.uniform(0.3, 0.7, n)), 80, 0.0005, fail_every=7),
        *_rows("mystery", list(rng.uniform(0.5, 0.9, n)), 150, None),
        *[ModelResult(model="down", item_id=f"i{i}", success=False, error="refused") for i in range(n)],
    ]


@pytest.mark.parametrize("normalisation", ["relative", "minmax"])
@pytest.mark.parametrize("unknown_price", ["pessimistic", "exclude", "renormalise"])
def test_the_identity_resample_gives_the_rankings_figures(normalisation: str, unknown_price: str) -> None:
    options = RankingOptions(normalisation=normalisation, unknown_price=unknown_price)  # type: ignore[arg-type]
    results = _results()
    rankings = {r.model: r for r in RankingEngine(options=options).rank(results)}
    table = item_table(results)
    observed = figures(Layout.of(table), np.ones((1, table.n_items)), RankingWeights(), options)
    for j, model in enumerate(table.models):
        r = rankings[model]
        assert observed.quality[0, j] == pytest.approx(r.component_scores.quality, abs=1e-9)
        if r.success_rate == 0:
            assert np.isnan(observed.overall[0, j]) and np.isnan(observed.latency_p50[0, j])
            continue
        assert observed.latency_p50[0, j] == pytest.approx(r.latency_ms, abs=1e-9)
        assert observed.latency_p95[0, j] == pytest.approx(r.latency_p95_ms, abs=1e-9)
        assert np.isnan(observed.cost[0, j]) if r.cost_usd is None else observed.cost[0, j] == pytest.approx(r.cost_usd)
        if r.overall_score is None:
            assert np.isnan(observed.overall[0, j])
        else:
            assert observed.overall[0, j] == pytest.approx(r.overall_score, abs=1e-9)


def test_report_intervals_groups_and_p_best() -> None:
    outcome = rank_results(_results(n=40), RankingWeights(), statistics=StatisticsConfig(resamples=1000))
    report = outcome.statistics
    assert report is not None and report.enabled and report.n_items == 40
    by_model = {m.model: m for m in report.models}
    strong = by_model["strong"]
    assert strong.quality.low < strong.quality.estimate < strong.quality.high
    assert strong.latency_p50_ms is not None and strong.latency_p50_ms.low <= strong.latency_p50_ms.high
    assert by_model["mystery"].cost_per_item_usd is None  # unknown price: no interval, never $0
    assert by_model["cheap"].n_failed == 40 // 7
    assert sum(m.p_best or 0.0 for m in report.models) == pytest.approx(1.0)
    assert by_model["down"].p_best == 0.0 and by_model["down"].rank_group == max(
        m.rank_group or 0 for m in report.models
    )
    quality_tests = [t for t in report.tests if t.metric == "quality"]
    assert len(quality_tests) == 6  # every pair of 4 models, failures included as 0
    assert {t.metric for t in report.tests} >= {"quality", "faithfulness", "relevance", "coherence", "overall"}
    ranked = {r.model: r for r in outcome.rankings}
    assert ranked["strong"].overall_interval == strong.overall and ranked["strong"].rank_group == strong.rank_group
    assert ranked["strong"].p_best == strong.p_best


def test_seeded_and_reproducible() -> None:
    results = _results()
    first = rank_results(results, RankingWeights()).statistics
    again = rank_results(results, RankingWeights()).statistics
    other = rank_results(results, RankingWeights(), statistics=StatisticsConfig(seed=1)).statistics
    assert first == again
    assert first is not None and other is not None and first.models[0].quality != other.models[0].quality


def test_identical_models_are_tied_and_separated_ones_are_not() -> None:
    same = list(np.random.default_rng(1).uniform(0.4, 0.9, 30))
    results = [*_rows("twin-a", same, 200, 0.001), *_rows("twin-b", same, 200, 0.001)]
    results += _rows("weak", [q - 0.3 for q in same], 200, 0.001)
    for r in results:  # same latency everywhere: identical twins
        r.latency_ms = 200.0 if r.success else None
    outcome = rank_results(results, RankingWeights())
    report = outcome.statistics
    assert report is not None
    assert report.groups["overall"] == [["twin-a", "twin-b"], ["weak"]]
    assert report.groups["quality"] == [["twin-a", "twin-b"], ["weak"]]
    twins = next(t for t in report.tests if t.metric == "quality" and {t.model_a, t.model_b} == {"twin-a", "twin-b"})
    assert twins.p_value == 1.0 and not twins.significant and twins.note == "identical on every item"
    assert outcome.recommendations.tied == {"overall": ["twin-a", "twin-b"], "quality": ["twin-a", "twin-b"]}
    assert "twin-a and twin-b are tied for first" in outcome.recommendations.reasoning["overall"]


def test_statistics_off_say_why_but_keep_the_pareto_frontier() -> None:
    off = rank_results(_results(n=5), RankingWeights()).statistics
    assert off is not None and not off.enabled and off.reason is not None
    assert off.reason.startswith("5 items: statistics need at least 10")
    assert {p.model for p in off.pareto} == {"strong", "cheap", "mystery"}
    disabled = rank_results(_results(), RankingWeights(), statistics=StatisticsConfig(enabled=False)).statistics
    assert disabled is not None and "switched off" in (disabled.reason or "")
    rankings = rank_results(_results(n=5), RankingWeights()).rankings
    assert all(r.rank_group is None and r.overall_interval is None for r in rankings)


def test_exclude_policy_leaves_the_unpriced_model_out_of_overall_statistics() -> None:
    options = RankingOptions(unknown_price="exclude")
    report = rank_results(_results(), RankingWeights(), options).statistics
    assert report is not None
    mystery = next(m for m in report.models if m.model == "mystery")
    assert mystery.overall is None and mystery.p_best is None and mystery.rank_group is None
    assert all("mystery" not in (t.model_a, t.model_b) for t in report.tests if t.metric == "overall")


def test_items_needed_reaches_the_power_with_the_noncentral_t() -> None:
    dz, alpha, power = 0.3, 0.05 / 3, 0.8
    (needed,) = items_needed_t(np.array([dz]), alpha, power)
    assert needed is not None

    def achieved(n: int) -> float:
        critical = stats.t.ppf(1 - alpha / 2, n - 1)
        return float(stats.nct.sf(critical, n - 1, dz * n**0.5) + stats.nct.cdf(-critical, n - 1, dz * n**0.5))

    assert achieved(needed) >= power > achieved(needed - 1)
    assert items_needed_t(np.array([0.0, np.nan]), alpha, power) == [None, None]


def test_inconclusive_pairs_carry_items_needed() -> None:
    report = rank_results(_results(n=12), RankingWeights()).statistics
    assert report is not None
    for t in report.tests:
        if t.significant:
            assert t.items_needed is None
    assert any(t.items_needed is not None and t.items_needed > t.n for t in report.tests if not t.significant)


def test_rank_groups_follow_the_significant_pairs_and_never_go_back() -> None:
    order = ["a", "b", "c", "d"]
    # a > c and a > d significant; b ≈ everything; c > d significant
    groups = rank_groups(order, [("a", "c"), ("a", "d"), ("c", "d")])
    assert groups == {"a": 1, "b": 1, "c": 2, "d": 3}
    assert group_lists(order, groups) == [["a", "b"], ["c"], ["d"]]
    # b is beaten by nobody but sits below c, which is beaten once: b's group is made no better than c's
    assert rank_groups(["a", "c", "b"], [("a", "c")]) == {"a": 1, "c": 2, "b": 2}


def test_pareto_frontier_names_who_dominates() -> None:
    entries = pareto_frontier(
        [
            Point("best-value", quality=0.8, cost=0.001, latency=100),
            Point("premium", quality=0.9, cost=0.01, latency=400),
            Point("worse", quality=0.7, cost=0.002, latency=150),
            Point("unpriced", quality=0.95, cost=None, latency=50),
        ]
    )
    by_model = {e.model: e for e in entries}
    assert by_model["best-value"].dominated_by == [] and by_model["premium"].dominated_by == []
    assert by_model["worse"].dominated_by == ["best-value"]
    assert not by_model["unpriced"].comparable and by_model["unpriced"].dominated_by == []
