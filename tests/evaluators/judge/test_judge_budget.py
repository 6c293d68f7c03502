"""The judge's tokens and cost: exact to the token, a budget line of their own in the result JSON and the report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from llmbench.analysis import analyze
from llmbench.comparison import ComparisonEngine, assemble_result, rank_results
from llmbench.config import EvaluationConfig
from llmbench.evaluators import make_scorer
from llmbench.evaluators.judge import build_evaluators, close_evaluators
from llmbench.evaluators.judge.prompts import RELEVANCE
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.mock_server import MockServer, count_tokens
from llmbench.mock_server.config import JudgeMode
from llmbench.mock_server.judge import judge_text
from llmbench.report import item_rows, render_markdown
from llmbench.types import ComparisonConfig, ComparisonResult, DatasetItem, ModelConfig, Price, RankingWeights

MakeJudge = Callable[..., ModelConfig]
MODEL_PRICE = Price(input_per_mtok=1.0, output_per_mtok=3.0)
JUDGE_PRICE = Price(input_per_mtok=2.0, output_per_mtok=8.0)
POLICY = RetryPolicy(max_attempts=2, backoff_initial_seconds=0.01, backoff_max_seconds=0.02, timeout_seconds=10)
ITEMS = [
    DatasetItem(id="a", prompt="What is the capital of France?", reference="Paris"),
    DatasetItem(id="b", prompt="Which river flows through Paris?", reference="The Seine"),
]


def _compare(server: MockServer, judge: ModelConfig, metrics: list[str]) -> ComparisonResult:
    """One mock model over ITEMS through the comparison engine, judge metrics scored as answers arrive."""
    model = ModelConfig(provider="openai", model="gpt-mock-large", base_url=server.openai_base_url, price=MODEL_PRICE)

    async def go() -> ComparisonResult:
        evaluators = build_evaluators(metrics, EvaluationConfig(), judge, policy=POLICY)
        engine = ComparisonEngine(ComparisonConfig(models=[model], metrics=metrics), POLICY, evaluators)
        try:
            return await engine.run(ITEMS, name="judged")
        finally:
            await close_evaluators(evaluators)

    return asyncio.run(go())


def _expected_tokens(item: DatasetItem, answer: str) -> tuple[int, int]:
    """What the mock server counts for one judge_relevance call: every message in, the verdict out."""
    messages = RELEVANCE.render({"question": item.prompt, "answer": answer})
    verdict = judge_text(JudgeMode.VALID, RELEVANCE.json_schema, messages[-1].content)
    return sum(count_tokens(m.content) for m in messages), count_tokens(verdict)


def test_judge_cost_is_exact_and_apart_from_the_models_cost(server: MockServer, make_judge: MakeJudge) -> None:
    result = _compare(server, make_judge("anthropic", price=JUDGE_PRICE), ["coherence", "judge_relevance"])
    rows = result.results
    assert all(r.success and "judge_relevance" in r.scores for r in rows)
    expected_in = expected_out = 0
    for row, item in zip(rows, ITEMS, strict=True):
        tokens_in, tokens_out = _expected_tokens(item, row.response or "")
        usage = row.judge_usage["judge_relevance"]
        assert (usage.input_tokens, usage.output_tokens) == (tokens_in, tokens_out)
        expected_in += tokens_in
        expected_out += tokens_out
        # the model's own cost is its own tokens only
        assert row.usage is not None
        assert row.cost_usd == (row.usage.input_tokens * 1.0 + row.usage.output_tokens * 3.0) / 1e6
    summary = result.judge_usage
    assert summary is not None
    total = summary.total
    assert (total.model, total.evaluations, total.calls, total.failed_evaluations) == ("anthropic/claude-mock", 2, 2, 0)
    assert (total.input_tokens, total.output_tokens) == (expected_in, expected_out)
    assert total.cost_usd == (expected_in * 2.0 + expected_out * 8.0) / 1e6
    assert summary.by_metric["judge_relevance"] == total
    [ranking] = result.rankings
    assert ranking.cost_usd == sum(r.cost_usd or 0 for r in rows) / 2  # the judge is not in the model's cost

    data = json.loads(result.model_dump_json())
    assert data["judge_usage"]["total"]["cost_usd"] == total.cost_usd
    assert data["results"][0]["judge_usage"]["judge_relevance"]["calls"] == 1
    assert data["results"][0]["cost_usd"] == rows[0].cost_usd

    table = item_rows(result)
    assert [row["judge_cost_usd"] for row in table] == [u.cost_usd for r in rows for u in r.judge_usage.values()]
    assert all(row["eval_errors"] is None for row in table)

    report = render_markdown(result)
    assert "## Judge" in report and "`anthropic/claude-mock`" in report
    assert f"{expected_in} tokens in / {expected_out} out, cost ${total.cost_usd:.6f}" in report


def test_an_unknown_judge_price_stays_unknown_and_failures_are_listed(
    server: MockServer, make_judge: MakeJudge
) -> None:
    result = _compare(server, make_judge("openai", "malformed", price=None), ["judge_relevance"])
    summary = result.judge_usage
    assert summary is not None
    total = summary.total
    assert total.cost_usd is None and not total.price_known
    assert (total.evaluations, total.failed_evaluations, total.unparseable, total.parse_failure_rate) == (2, 2, 2, 1.0)
    table = item_rows(result)
    assert [(row["judge_cost_usd"], row["eval_errors"]) for row in table] == [
        (None, "judge_relevance: UnparseableVerdict")
    ] * 2
    report = render_markdown(result)
    assert "cost price unknown" in report and "$0.000000" not in report.split("## Judge")[1]
    assert report.count("| UnparseableVerdict |") == 2
    # with every judge score failed, the rows carry no score for the metric at all
    assert all(r.scores == {} and "judge_relevance" in r.eval_errors for r in result.results)


def test_no_judge_no_judge_section(server: MockServer) -> None:
    model = ModelConfig(provider="openai", model="gpt-mock-mini", base_url=server.openai_base_url)
    rows = asyncio.run(ModelRunner(model, policy=POLICY, scorer=make_scorer(["coherence"])).run(ITEMS))
    ranking = rank_results(rows, RankingWeights())
    result = assemble_result(
        name="plain",
        models=[model.identifier],
        items=ITEMS,
        results=rows,
        ranking=ranking,
        analysis=analyze(rows, ranking.rankings, ITEMS),
        weights=RankingWeights(),
        metrics=["coherence"],
    )
    assert result.judge_usage is None
    assert "## Judge" not in render_markdown(result)
    assert "judge_cost_usd" not in item_rows(result)[0]
