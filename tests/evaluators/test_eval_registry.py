"""The registry of evaluators, the batch scoring step and the metric catalogue."""

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
    make_scorer,
    metric_catalog,
    register_evaluator,
    resolve_metrics,
)
from llmbench.types import DEFAULT_METRICS, DatasetItem, EvalScore, ModelResult

OFFLINE = {
    "correctness", "faithfulness", "relevance", "coherence", "exact_match", "f1", "rouge_l", "chrf", "bleu",
    "contains", "regex", "numeric", "json_valid", "json_schema",
}  # fmt: skip


def test_public_api_is_what_it_claims() -> None:
    for name in evaluators.__all__:
        assert hasattr(evaluators, name), name
    assert set(EVALUATORS) >= OFFLINE


def test_default_metrics_include_correctness() -> None:
    assert DEFAULT_METRICS == ("correctness", "faithfulness", "relevance", "coherence")


def test_get_evaluator_returns_instances_by_name() -> None:
    assert isinstance(get_evaluator("coherence"), CoherenceEvaluator)
    for name in OFFLINE:
        assert get_evaluator(name).name == name


def test_unknown_metric_names_the_known_ones_in_one_line() -> None:
    with pytest.raises(ConfigError) as excinfo:
        get_evaluator("blue")
    message = str(excinfo.value)
    assert "'blue'" in message and "\n" not in message
    assert all(name in message for name in OFFLINE)


def test_empty_metric_list_is_a_config_error() -> None:
    for metrics in ([], ["", "  "]):
        with pytest.raises(ConfigError, match=r"no metrics given; choose from: .*correctness"):
            resolve_metrics(metrics)
    with pytest.raises(ConfigError, match="no metrics"):
        make_scorer([])
    with pytest.raises(ConfigError, match="no metrics"):
        asyncio.run(evaluate_results([], {}, []))
    assert resolve_metrics(["f1", "f1", " coherence "]) == ["f1", "coherence"]


def test_register_evaluator_rejects_name_clash() -> None:
    class Length(Evaluator):
        name: ClassVar[str] = "test_length"

        async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
            return EvalScore(name=self.name, score=min(1.0, len(response) / 100))

    class Other(Length):
        pass

    class Nameless(Evaluator):
        async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
            return None

    try:
        assert register_evaluator(Length) is Length
        assert register_evaluator(Length) is Length
        assert isinstance(get_evaluator("test_length"), Length)
        with pytest.raises(ConfigError, match="already registered"):
            register_evaluator(Other)
        with pytest.raises(ConfigError, match="no 'name'"):
            register_evaluator(Nameless)
    finally:
        EVALUATORS.pop("test_length", None)


def test_evaluate_results_fills_successes_and_names_what_did_not_apply() -> None:
    items = {
        "a": DatasetItem(id="a", prompt="What is photosynthesis?"),
        "b": DatasetItem(id="b", prompt="Capital of France?", reference="Paris is the capital of France."),
    }
    results = [
        ModelResult(model="m1", item_id="a", success=True, response="Photosynthesis turns light into sugar."),
        ModelResult(model="m1", item_id="b", success=True, response="Paris is the capital of France."),
        ModelResult(model="m2", item_id="a", success=False, error="HTTP 503", error_type="ServerError"),
    ]
    out = asyncio.run(evaluate_results(results, items, list(DEFAULT_METRICS)))
    assert [r.item_id for r in out] == ["a", "b", "a"]
    # item a has no context/reference: correctness and faithfulness do not apply, visibly
    assert set(out[0].scores) == {"relevance", "coherence"}
    assert out[0].not_applicable == ["correctness", "faithfulness"]
    assert set(out[0].score_details) == {"relevance", "coherence"}
    assert out[1].scores["correctness"] == 1.0 and out[1].scores["faithfulness"] == 1.0
    assert out[1].not_applicable == []
    assert out[2] == results[2]
    assert results[0].scores == {}  # inputs are not mutated
    again = asyncio.run(evaluate_results(out, items, list(DEFAULT_METRICS)))
    assert again[0].not_applicable == ["correctness", "faithfulness"]  # not computed or listed twice


def test_evaluate_results_rejects_unknown_metric_and_missing_item() -> None:
    items = {"a": DatasetItem(id="a", prompt="p")}
    ok = ModelResult(model="m", item_id="zzz", success=True, response="text")
    with pytest.raises(ConfigError, match="nope"):
        asyncio.run(evaluate_results([], items, ["nope"]))
    with pytest.raises(ComparisonError, match="zzz"):
        asyncio.run(evaluate_results([ok], items, ["coherence"]))


def test_metric_catalog_lists_needs_and_measured_costs() -> None:
    catalog = {m.name: m for m in metric_catalog()}
    assert set(catalog) >= OFFLINE
    assert catalog["correctness"].needs == ["reference"]
    assert "incorrect_references" in catalog["correctness"].uses
    assert catalog["faithfulness"].needs == ["context or reference"]
    assert catalog["json_schema"].needs == ["json_schema"]
    assert catalog["coherence"].needs == []
    for info in catalog.values():
        if info.name in OFFLINE:
            assert info.judge_calls == 0
            assert info.offline_us_per_answer is not None and info.offline_us_per_answer > 0
            assert info.summary
    assert catalog["correctness"].quality_weight > catalog["coherence"].quality_weight
    assert all(m.offline_us_per_answer is None for m in metric_catalog(measure=False))


def test_metric_catalog_shows_judge_metrics_with_their_calls() -> None:
    class FakeJudge(Evaluator):
        """Asks a judge."""

        name: ClassVar[str] = "test_judge"
        judge_calls: ClassVar[int] = 2
        needs: ClassVar[tuple[str, ...]] = ("reference",)

        def __init__(self, judge: object) -> None:  # cannot be built without a judge
            self.judge = judge

        async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
            return None

    register_evaluator(FakeJudge)
    try:
        info = {m.name: m for m in metric_catalog()}["test_judge"]
        assert info.judge_calls == 2 and info.offline_us_per_answer is None
        assert info.needs == ["reference", "judge"]
    finally:
        EVALUATORS.pop("test_judge", None)
