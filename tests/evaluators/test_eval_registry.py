"""The registry of evaluators and the batch scoring step."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

import llmbench.evaluators as evaluators
from llmbench.errors import ComparisonError, ConfigError
from llmbench.evaluators import (
    EVALUATORS,
    CoherenceEvaluator,
    Evaluator,
    evaluate_results,
    get_evaluator,
    register_evaluator,
)
from llmbench.types import DatasetItem, EvalScore, ModelResult


def test_public_api_is_what_it_claims() -> None:
    for name in evaluators.__all__:
        assert hasattr(evaluators, name), name
    assert set(EVALUATORS) >= {"faithfulness", "relevance", "coherence"}


def test_get_evaluator_returns_instances_by_name() -> None:
    assert isinstance(get_evaluator("coherence"), CoherenceEvaluator)
    for name in ("faithfulness", "relevance", "coherence"):
        assert get_evaluator(name).name == name


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as excinfo:
        get_evaluator("bleu")
    message = str(excinfo.value)
    assert "'bleu'" in message
    assert "coherence" in message and "faithfulness" in message and "relevance" in message


def test_register_evaluator_rejects_name_clash() -> None:
    class Length(Evaluator):
        name: ClassVar[str] = "test_length"

        async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
            return EvalScore(name=self.name, score=min(1.0, len(response) / 100))

    class Other(Length):
        pass

    try:
        assert register_evaluator(Length) is Length
        assert register_evaluator(Length) is Length
        assert isinstance(get_evaluator("test_length"), Length)
        with pytest.raises(ConfigError, match="already registered"):
            register_evaluator(Other)
    finally:
        EVALUATORS.pop("test_length", None)


def test_evaluate_results_fills_successes_only() -> None:
    items = {
        "a": DatasetItem(id="a", prompt="What is photosynthesis?"),
        "b": DatasetItem(id="b", prompt="Capital of France?", reference="Paris is the capital of France."),
    }
    results = [
        ModelResult(model="m1", item_id="a", success=True, response="Photosynthesis turns light into sugar."),
        ModelResult(model="m1", item_id="b", success=True, response="Paris is the capital of France."),
        ModelResult(model="m2", item_id="a", success=False, error="HTTP 503", error_type="ServerError"),
    ]
    out = asyncio.run(evaluate_results(results, items, ["faithfulness", "relevance", "coherence"]))
    assert [r.item_id for r in out] == ["a", "b", "a"]
    # item a has no context/reference: faithfulness does not apply and is left out
    assert set(out[0].scores) == {"relevance", "coherence"}
    assert set(out[0].score_details) == {"relevance", "coherence"}
    assert out[1].scores["faithfulness"] == 1.0
    assert set(out[1].scores) == {"faithfulness", "relevance", "coherence"}
    assert out[2].scores == {} and out[2].score_details == {}
    assert out[2] == results[2]
    # inputs are not mutated
    assert results[0].scores == {}


def test_evaluate_results_rejects_unknown_metric_and_missing_item() -> None:
    items = {"a": DatasetItem(id="a", prompt="p")}
    ok = ModelResult(model="m", item_id="zzz", success=True, response="text")
    with pytest.raises(ConfigError, match="nope"):
        asyncio.run(evaluate_results([], items, ["nope"]))
    with pytest.raises(ComparisonError, match="zzz"):
        asyncio.run(evaluate_results([ok], items, ["coherence"]))
