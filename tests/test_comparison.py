from __future__ import annotations

import asyncio

import pytest

from llmbench.comparison import ComparisonEngine
from llmbench.errors import AllModelsFailed, ComparisonTimeout, NoModels, ProviderNotFound
from llmbench.types import ComparisonConfig, ModelConfig, SimSpec

PROMPT = "What does photosynthesis produce?"
CONTEXT = "Photosynthesis turns light, water and carbon dioxide into glucose. Oxygen is released."
REFERENCE = "Photosynthesis produces glucose and releases oxygen."


def sim(name: str, **spec: float) -> ModelConfig:
    return ModelConfig(provider="sim", model=name, simulation=SimSpec(**spec) if spec else None)


def compare(models: list[ModelConfig], **config: float):
    engine = ComparisonEngine(ComparisonConfig(models=models, **config))
    return asyncio.run(engine.compare(PROMPT, CONTEXT, REFERENCE))


def test_results_in_input_order_with_cost_scores_and_ranking() -> None:
    models = [sim("swift-s"), sim("oracle-xl"), sim("balanced-m")]
    result = compare(models)
    assert [r.model for r in result.results] == ["sim/swift-s", "sim/oracle-xl", "sim/balanced-m"]
    assert all(r.success and r.cost_usd is not None and r.cost_usd > 0 for r in result.results)
    assert all(set(r.scores) == {"correctness", "faithfulness", "relevance", "coherence"} for r in result.results)
    assert [r.rank for r in result.rankings] == [1, 2, 3]
    assert result.winner == result.rankings[0].model
    assert result.recommendations is not None and result.recommendations.best_for_speed == "sim/swift-s"
    assert result.complete


def test_one_failing_model_is_kept_as_a_failed_result() -> None:
    result = compare([sim("oracle-xl"), sim("broken", failure_rate=1.0, latency_ms=5)])
    broken = result.results[1]
    assert not broken.success and broken.error_type == "ServerError" and "503" in (broken.error or "")
    ranked = {r.model: r for r in result.rankings}
    assert ranked["sim/broken"].success_rate == 0 and ranked["sim/broken"].rank == 2
    assert result.winner == "sim/oracle-xl"


def test_one_model_timing_out_does_not_stop_the_others() -> None:
    slow = sim("slow", latency_ms=3000, jitter=0)
    result = compare([sim("swift-s"), slow], model_timeout_seconds=0.2)
    timed_out = result.results[1]
    assert not timed_out.success and timed_out.error_type == "ProviderTimeout"
    assert result.results[0].success and result.winner == "sim/swift-s"


def test_partial_results_survive_the_overall_timeout() -> None:
    result = compare([sim("swift-s"), sim("slow", latency_ms=5000, jitter=0)], timeout_seconds=1)
    assert result.results[0].success
    assert not result.results[1].success and result.results[1].error_type == "ComparisonTimeout"
    assert not result.complete and result.incomplete_models == ["sim/slow"]


def test_nothing_finished_before_the_overall_timeout() -> None:
    with pytest.raises(ComparisonTimeout, match="overall timeout"):
        compare([sim("slow", latency_ms=5000, jitter=0)], timeout_seconds=1)


def test_all_models_failing_raises_with_each_error() -> None:
    with pytest.raises(AllModelsFailed) as caught:
        compare([sim("a", failure_rate=1.0, latency_ms=1), sim("b", failure_rate=1.0, latency_ms=1)])
    assert set(caught.value.errors) == {"sim/a", "sim/b"}


def test_no_models_and_unknown_provider() -> None:
    with pytest.raises(NoModels):
        compare([])
    with pytest.raises(ProviderNotFound, match="known providers: anthropic, ollama, openai, sim"):
        compare([ModelConfig(provider="nope", model="x")])


def test_concurrency_limit_caps_calls_in_flight() -> None:
    from llmbench.datasets import load_dataset
    from llmbench.providers.sim import sim_stats

    items = load_dataset("examples/datasets/qa_small.jsonl").items
    sim_stats().reset()
    engine = ComparisonEngine(
        ComparisonConfig(models=[sim("a", latency_ms=20), sim("b", latency_ms=20)], concurrency_limit=3)
    )
    asyncio.run(engine.run(items))
    assert sim_stats().max_in_flight == 3
    assert sim_stats().calls == 2 * len(items)


def test_a_models_own_timeout_wins_over_the_runs() -> None:
    slow = ModelConfig(provider="sim", model="slow", timeout_seconds=0.2, simulation=SimSpec(latency_ms=3000, jitter=0))
    result = compare([sim("swift-s"), slow], model_timeout_seconds=60)
    assert result.results[1].error_type == "ProviderTimeout" and "0.2 s" in (result.results[1].error or "")


def test_two_identical_custom_models_are_reported_as_tied() -> None:
    from rich.console import Console

    from llmbench.console import ranking_table
    from llmbench.datasets import load_dataset
    from llmbench.report import render_markdown

    same = SimSpec(quality=0.8, latency_ms=5)
    models = [ModelConfig(provider="sim", model=name, simulation=same) for name in ("twin-a", "twin-b")]
    models.append(ModelConfig(provider="sim", model="weak", simulation=SimSpec(quality=0.1, latency_ms=5)))
    items = load_dataset("examples/datasets/mixed_tasks.jsonl").items
    result = asyncio.run(ComparisonEngine(ComparisonConfig(models=models)).run(items))
    twins = ["sim/twin-a", "sim/twin-b"]
    assert result.statistics is not None and result.statistics.enabled
    assert sorted(result.statistics.groups["overall"][0]) == twins and result.statistics.groups["overall"][1] == [
        "sim/weak"
    ]
    by_model = {r.model: r for r in result.rankings}
    assert by_model["sim/twin-a"].rank_group == by_model["sim/twin-b"].rank_group == 1
    assert by_model["sim/weak"].rank_group == 3
    assert result.recommendations is not None and sorted(result.recommendations.tied["overall"]) == twins
    assert result.analysis is not None and "are tied for first of 3 models" in result.analysis.summary
    assert "Tied on overall score" in render_markdown(result)
    console = Console(record=True, width=250)
    console.print(ranking_table(result))
    text = console.export_text()
    assert text.count("1=") == 2 and "tied (not significantly different)" in text
