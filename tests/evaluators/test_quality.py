"""The per-item quality combination the ranking aggregates."""

from __future__ import annotations

from typing import ClassVar

import pytest

from llmbench import ranking
from llmbench.evaluators import EVALUATORS, QUALITY_WEIGHTS, Evaluator, item_quality, quality_weight, register_evaluator
from llmbench.types import DatasetItem, EvalScore


def test_seed_weights_when_only_the_three_heuristics_are_present() -> None:
    assert item_quality({"faithfulness": 1.0, "relevance": 0.5, "coherence": 0.0}) == pytest.approx(0.55)
    assert item_quality({"relevance": 0.5, "coherence": 1.0}) == pytest.approx(0.75)  # renormalised


def test_correctness_dominates_and_format_counts_little() -> None:
    wrong_but_fluent = {"correctness": 0.0, "faithfulness": 1.0, "relevance": 1.0, "coherence": 1.0}
    right_but_clumsy = {"correctness": 1.0, "faithfulness": 1.0, "relevance": 1.0, "coherence": 0.3}
    assert item_quality(wrong_but_fluent) < 0.5 < item_quality(right_but_clumsy)
    assert QUALITY_WEIGHTS["correctness"] > QUALITY_WEIGHTS["faithfulness"] > QUALITY_WEIGHTS["coherence"]


def test_not_applicable_metrics_are_left_out() -> None:
    assert item_quality({"correctness": 0.8}) == pytest.approx(0.8)
    assert item_quality({}) == 0.0


def test_metrics_without_an_entry_take_their_class_weight_or_family_default() -> None:
    class Graded(Evaluator):
        name: ClassVar[str] = "test_graded"
        family: ClassVar[str] = "correctness"

        async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
            return None

    class Weighted(Graded):
        name: ClassVar[str] = "test_weighted"
        quality_weight: ClassVar[float | None] = 0.1

    register_evaluator(Graded)
    register_evaluator(Weighted)
    try:
        assert quality_weight("test_graded") == 2.0
        assert quality_weight("test_weighted") == 0.1
        assert quality_weight("accuracy") == 1.0  # not registered at all: a plain mean when alone
        assert item_quality({"accuracy": 0.9}) == pytest.approx(0.9)
    finally:
        EVALUATORS.pop("test_graded", None)
        EVALUATORS.pop("test_weighted", None)


def test_ranking_uses_the_same_combination() -> None:
    assert ranking.item_quality is item_quality
    assert ranking.QUALITY_WEIGHTS is QUALITY_WEIGHTS
