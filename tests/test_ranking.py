"""RankingEngine: the documented formula, edge cases and recommendations."""

from __future__ import annotations

import pytest

import llmbench.ranking as ranking_module
from llmbench.errors import InvalidWeights, NoSuccessfulResults
from llmbench.ranking import RankingEngine, item_quality, pairwise_matrix, recommend
from llmbench.types import ModelResult, RankingOptions, RankingWeights

MINMAX = RankingOptions(normalisation="minmax")


def _ok(model: str, quality: float, latency: float, cost: float | None, item: str = "prompt") -> ModelResult:
    return ModelResult(
        model=model,
        item_id=item,
        success=True,
        response="answer",
        latency_ms=latency,
        cost_usd=cost,
        price_known=cost is not None,
        scores={"accuracy": quality},
    )


def _failed(model: str, item: str = "prompt") -> ModelResult:
    return ModelResult(model=model, item_id=item, success=False, error="HTTP 503", error_type="ServerError")


SEED = [_ok("A", 0.9, 1000, 0.01), _ok("B", 0.8, 500, 0.02), _ok("C", 0.7, 2000, 0.005)]


def test_public_api() -> None:
    for name in ranking_module.__all__:
        assert hasattr(ranking_module, name)


def test_seed_acceptance_case() -> None:
    rankings = RankingEngine(options=MINMAX).rank(SEED)
    assert [r.model for r in rankings] == ["A", "B", "C"]
    assert [r.rank for r in rankings] == [1, 2, 3]
    assert [r.overall_score for r in rankings] == pytest.approx([0.802, 0.737, 0.620], abs=1e-3)
    a = rankings[0].component_scores
    assert a.quality == pytest.approx(0.9)
    assert a.performance == pytest.approx(2 / 3)
    assert a.cost_efficiency == pytest.approx(90 / 140)
    assert rankings[0].metrics == {"accuracy": pytest.approx(0.9)}


def test_strengths_and_weaknesses_against_averages() -> None:
    by_model = {r.model: r for r in RankingEngine().rank(SEED)}
    # avg quality 0.8, avg latency 1166.7 ms, avg cost 0.01167
    assert by_model["B"].strengths == ["fast"]
    assert by_model["B"].weaknesses == ["expensive"]
    assert by_model["C"].strengths == ["low cost"]
    assert by_model["C"].weaknesses == ["slow"]
    assert by_model["A"].strengths == [] and by_model["A"].weaknesses == []


def test_custom_weights_valid_and_invalid() -> None:
    weights = RankingWeights(quality=0.5, performance=0.3, cost=0.2)
    top = RankingEngine(weights, MINMAX).rank(SEED)[0]
    assert top.overall_score == pytest.approx(0.5 * 0.9 + 0.3 * (2 / 3) + 0.2 * (90 / 140))
    with pytest.raises(InvalidWeights):
        RankingWeights(quality=0.5, performance=0.3, cost=0.3)
    with pytest.raises(InvalidWeights, match="negative"):
        RankingWeights(quality=1.2, performance=-0.2, cost=0.0)


def test_item_quality_rules() -> None:
    assert item_quality({"faithfulness": 1.0, "relevance": 0.5, "coherence": 0.0}) == pytest.approx(0.55)
    # faithfulness left out (not applicable): renormalised over relevance and coherence
    assert item_quality({"relevance": 0.5, "coherence": 1.0}) == pytest.approx(0.75)
    # reference metrics count now (bleu 0.25); an unregistered metric weighs 1
    assert item_quality({"relevance": 0.5, "bleu": 0.0}) == pytest.approx(0.15 / 0.55)
    assert item_quality({"bleu": 0.2, "accuracy": 0.6}) == pytest.approx((0.25 * 0.2 + 0.6) / 1.25)
    assert item_quality({}) == 0.0


def test_failed_calls_count_as_zero_quality_and_are_reported() -> None:
    results = [
        _ok("A", 0.8, 100, 0.01, "i1"),
        _ok("A", 0.6, 300, 0.03, "i2"),
        _failed("A", "i3"),
        _ok("B", 0.5, 200, 0.01, "i1"),
        _ok("B", 0.5, 200, 0.01, "i2"),
        _ok("B", 0.5, 200, 0.01, "i3"),
        _failed("Z", "i1"),
        _failed("Z", "i2"),
    ]
    rankings = RankingEngine().rank(results)
    by_model = {r.model: r for r in rankings}
    a = by_model["A"]
    assert a.component_scores.quality == pytest.approx((0.8 + 0.6) / 3)  # the failed call scores 0
    assert a.latency_ms == pytest.approx(200)
    assert a.latency_p95_ms == pytest.approx(290)
    assert a.cost_usd == pytest.approx(0.02)
    assert a.success_rate == pytest.approx(2 / 3)
    assert (a.n_items, a.n_failed) == (3, 1)
    assert "failed 1 of 3 calls" in a.weaknesses
    z = rankings[-1]
    assert z.model == "Z" and z.rank == 3
    assert z.overall_score == 0.0
    assert z.component_scores.quality == 0.0 and z.component_scores.performance == 0.0
    assert "all calls failed" in z.weaknesses
    assert z.success_rate == 0.0 and z.n_failed == 2


def test_no_success_raises() -> None:
    with pytest.raises(NoSuccessfulResults):
        RankingEngine().rank([_failed("A"), _failed("B")])
    with pytest.raises(NoSuccessfulResults):
        RankingEngine().rank([])


def test_relative_normalisation_scales_with_the_latency_ratio() -> None:
    by_model = {r.model: r for r in RankingEngine().rank(SEED)}  # latencies 1000, 500, 2000 ms
    assert by_model["B"].component_scores.performance == pytest.approx(1.0)
    assert by_model["A"].component_scores.performance == pytest.approx(0.5)  # twice as slow as the fastest
    assert by_model["C"].component_scores.performance == pytest.approx(0.25)
    assert by_model["A"].overall_score == pytest.approx(0.6 * 0.9 + 0.2 * 0.5 + 0.2 * (90 / 140))


def test_a_small_latency_difference_moves_the_score_a_little_not_the_whole_scale() -> None:
    # The fault-injection case: one healthy model at 43 ms against others at 22–29 ms.
    results = [_ok(m, 0.8, latency, 0.01) for m, latency in (("a", 22), ("b", 25), ("c", 29), ("d", 43))]
    relative = {r.model: r.component_scores.performance for r in RankingEngine().rank(results)}
    minmax = {r.model: r.component_scores.performance for r in RankingEngine(options=MINMAX).rank(results)}
    assert minmax["d"] == 0.0 and minmax["c"] == pytest.approx(1 - 7 / 21)
    assert relative["d"] == pytest.approx(22 / 43) and relative["c"] == pytest.approx(22 / 29)


def test_zero_latency_does_not_divide_by_zero() -> None:
    rankings = RankingEngine().rank([_ok("instant", 0.5, 0.0, 0.01), _ok("slow", 0.5, 10.0, 0.01)])
    by_model = {r.model: r.component_scores.performance for r in rankings}
    assert by_model == {"instant": 1.0, "slow": pytest.approx(0.1)}  # latencies under 1 ms count as 1 ms


UNKNOWN = [_ok("A", 0.9, 1000, 0.01), _ok("M", 0.8, 500, None), _ok("C", 0.7, 2000, 0.005)]


def test_unknown_price_is_pessimistic_by_default() -> None:
    by_model = {r.model: r for r in RankingEngine().rank(UNKNOWN)}
    m = by_model["M"]
    assert m.component_scores.cost_efficiency is None
    assert m.cost_usd is None and m.price_known is False
    assert "price unknown" in m.weaknesses
    # performance 1.0 (fastest); cost efficiency counts as 0: never better than the worst priced model
    assert m.overall_score == pytest.approx(0.6 * 0.8 + 0.2 * 1.0)
    # the max of quality/cost is only over known prices: C (140) beats A (90)
    assert by_model["C"].component_scores.cost_efficiency == pytest.approx(1.0)
    assert by_model["A"].component_scores.cost_efficiency == pytest.approx(90 / 140)


def _overall_of_b(price: float | None, options: RankingOptions) -> float | None:
    results = [_ok("A", 0.8, 500, 0.001), _ok("B", 0.8, 500, price)]
    return next(r.overall_score for r in RankingEngine(options=options).rank(results) if r.model == "B")


def test_missing_data_never_rewarded_by_default() -> None:
    # B is ten times dearer than A for the same answers. Hiding its price must not lift its score.
    for options in (RankingOptions(), MINMAX):
        priced, unpriced = _overall_of_b(0.01, options), _overall_of_b(None, options)
        assert priced is not None and unpriced is not None and unpriced < priced
    seed = RankingOptions(unknown_price="renormalise")
    priced, unpriced = _overall_of_b(0.01, seed), _overall_of_b(None, seed)
    assert priced is not None and unpriced is not None and unpriced > priced  # the seed's rule rewards it


def test_unknown_price_renormalise_is_the_seed_rule() -> None:
    engine = RankingEngine(options=RankingOptions(normalisation="minmax", unknown_price="renormalise"))
    m = next(r for r in engine.rank(UNKNOWN) if r.model == "M")
    assert m.overall_score == pytest.approx((0.6 * 0.8 + 0.2 * 1.0) / 0.8)


def test_unknown_price_exclude_ranks_after_priced_models_without_a_score() -> None:
    results = [*UNKNOWN, _failed("Z")]
    rankings = RankingEngine(options=RankingOptions(unknown_price="exclude")).rank(results)
    assert [r.model for r in rankings] == ["A", "C", "M", "Z"]
    m = rankings[2]
    assert m.overall_score is None and m.rank == 3 and m.component_scores.quality == pytest.approx(0.8)
    rec = recommend(rankings)
    assert rec.best_overall == "A" and rec.best_for_speed == "M"
    only_unknown = RankingEngine(options=RankingOptions(unknown_price="exclude")).rank([_ok("M", 0.8, 500, None)])
    assert recommend(only_unknown).best_overall is None
    assert "unknown_price" in recommend(only_unknown).reasoning["overall"]


def test_one_unknown_cost_item_makes_the_model_cost_unknown() -> None:
    results = [_ok("A", 0.9, 100, 0.01, "i1"), _ok("A", 0.9, 100, None, "i2")]
    (a,) = RankingEngine().rank(results)
    assert a.cost_usd is None and a.component_scores.cost_efficiency is None


def test_zero_cost_uses_raw_quality() -> None:
    results = [_ok("paid", 0.9, 1000, 0.01), _ok("free", 0.6, 1000, 0.0)]
    by_model = {r.model: r for r in RankingEngine().rank(results)}
    assert by_model["free"].component_scores.cost_efficiency == pytest.approx(0.6)
    assert by_model["paid"].component_scores.cost_efficiency == pytest.approx(1.0)
    only_free = RankingEngine().rank([_ok("f1", 0.7, 100, 0.0), _ok("f2", 0.4, 100, 0.0)])
    assert [r.component_scores.cost_efficiency for r in only_free] == pytest.approx([0.7, 0.4])


def test_ties_break_deterministically() -> None:
    same = [_ok("zeta", 0.8, 300, 0.01), _ok("alpha", 0.8, 300, 0.01), _ok("mid", 0.8, 300, 0.01)]
    first = RankingEngine().rank(same)
    second = RankingEngine().rank(list(reversed(same)))
    assert [r.model for r in first] == ["alpha", "mid", "zeta"]
    assert [r.model for r in second] == ["alpha", "mid", "zeta"]
    assert all(r.component_scores.performance == 1.0 for r in first)


def test_equal_overall_breaks_on_quality() -> None:
    # weights put everything on performance: equal overall, then higher quality first
    weights = RankingWeights(quality=0.0, performance=1.0, cost=0.0)
    rankings = RankingEngine(weights).rank([_ok("a", 0.5, 100, 0.01), _ok("b", 0.9, 100, 0.01)])
    assert [r.model for r in rankings] == ["b", "a"]


def test_pairwise_matrix() -> None:
    rankings = RankingEngine().rank([*SEED, _failed("Z")])
    matrix = pairwise_matrix(rankings)
    assert set(matrix) == {"A", "B", "C"}  # Z failed: its quality is unknown, not 0
    assert matrix["A"]["C"] == pytest.approx(0.2)
    assert matrix["C"]["A"] == pytest.approx(-0.2)
    assert matrix["B"]["B"] == 0.0
    assert RankingEngine().pairwise_matrix(rankings) == matrix


def test_recommendations() -> None:
    results = [*SEED, _ok("D", 0.95, 3000, None), _failed("Z")]
    rankings = RankingEngine().rank(results)
    rec = recommend(rankings)
    assert rec.best_overall == rankings[0].model
    assert rec.best_for_quality == "D"
    assert rec.best_for_speed == "B"
    assert rec.best_for_cost == "C"
    assert "500 ms" in rec.reasoning["speed"]
    assert "0.950" in rec.reasoning["quality"]
    assert "0.005" in rec.reasoning["cost"]
    assert f"{rankings[0].overall_score:.3f}" in rec.reasoning["overall"]


def test_recommendation_without_known_cost() -> None:
    rankings = RankingEngine().rank([_ok("A", 0.9, 100, None), _ok("B", 0.5, 50, None)])
    rec = RankingEngine().recommend(rankings)
    assert rec.best_for_cost is None
    assert "no model has a known price" in rec.reasoning["cost"]
