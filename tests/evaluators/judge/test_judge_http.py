"""Judge evaluators over real HTTP against the mock server, on the three protocols.

The mock server's judge is the deterministic overlap judge (llmbench.providers.sim_judge), so every verdict is
predictable: a claim is supported when all its content words are in the context, a sentence is relevant when it
shares a content word with the question, an answer is correct when it holds every content word of a reference.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence

import pytest

from llmbench.config import EvaluationConfig, RubricConfig
from llmbench.evaluators import evaluate_results
from llmbench.evaluators.judge import PROMPTS, agreement, build_evaluators, close_evaluators
from llmbench.execution import RetryPolicy
from llmbench.mock_server import MockServer
from llmbench.ranking import item_quality
from llmbench.types import DatasetItem, ModelConfig, ModelResult

PROVIDERS = ("openai", "anthropic", "ollama")
MakeJudge = Callable[..., ModelConfig]
POLICY = RetryPolicy(max_attempts=2, backoff_initial_seconds=0.01, backoff_max_seconds=0.02, timeout_seconds=10)
ITEM = DatasetItem(
    id="q1",
    prompt="What is the capital of France?",
    context="Paris is the capital of France. It lies on the Seine.",
    reference="Paris is the capital of France",
)
HALF_RIGHT = "Paris is the capital of France. It has ten million cats."
WRONG = "The Eiffel Tower sells croissants."
RUBRICS = {"names_city": RubricConfig(criteria="The answer names Paris as the capital.")}


def judge_rows(
    judge: ModelConfig,
    metrics: Sequence[str],
    answers: Sequence[str],
    *,
    repeats: int = 1,
    policy: RetryPolicy = POLICY,
    item: DatasetItem = ITEM,
) -> list[ModelResult]:
    """Each answer as a successful row of model ``m``, scored with ``metrics`` by ``judge``."""
    rows = [ModelResult(model="m", item_id=item.id, success=True, response=a) for a in answers]
    evaluation = EvaluationConfig(judge_repeats=repeats, rubrics=RUBRICS)

    async def go() -> list[ModelResult]:
        evaluators = build_evaluators(metrics, evaluation, judge, policy=policy)
        try:
            return await evaluate_results(rows, {item.id: item}, evaluators)
        finally:
            await close_evaluators(evaluators)

    return asyncio.run(go())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_valid_verdicts_give_the_expected_scores(make_judge: MakeJudge, provider: str) -> None:
    metrics = ["judge_faithfulness", "judge_correctness", "judge_relevance", "rubric:names_city"]
    half, wrong = judge_rows(make_judge(provider), metrics, [HALF_RIGHT, WRONG])
    # criteria content words: answer, names, paris, capital; 2 of 4 in the answer -> 1 + round(2) = 3 -> 0.5
    assert half.scores == {
        "judge_faithfulness": 0.5,
        "judge_correctness": 1.0,
        "judge_relevance": 0.5,
        "rubric:names_city": 0.5,
    }
    assert wrong.scores == {
        "judge_faithfulness": 0.0,
        "judge_correctness": 0.0,
        "judge_relevance": 0.0,
        "rubric:names_city": 0.0,
    }
    assert half.eval_errors == {} and wrong.eval_errors == {}
    for metric, details in half.score_details.items():  # every verdict names the prompts and versions behind it
        refs = details["prompts"]
        assert refs and all(PROMPTS[r["name"]].ref == r and r["version"] == "1" for r in refs), metric
        assert details["judge"] == make_judge(provider).identifier
    claims = half.score_details["judge_faithfulness"]["verdicts"][0]["claims"]
    assert [(c["claim"], c["supported"]) for c in claims] == [
        ("Paris is the capital of France.", True),
        ("It has ten million cats.", False),
    ]


def test_streaming_judges_parse_the_same_verdicts(make_judge: MakeJudge) -> None:
    for provider in PROVIDERS:
        [row] = judge_rows(make_judge(provider, stream=True), ["judge_faithfulness"], [HALF_RIGHT])
        assert row.scores == {"judge_faithfulness": 0.5}, provider


def test_partial_grade_and_known_incorrect_answers(make_judge: MakeJudge) -> None:
    item = ITEM.model_copy(update={"id": "q2"})
    [partial] = judge_rows(make_judge("openai"), ["judge_correctness"], ["The capital is Paris."], item=item)
    assert partial.scores == {"judge_correctness": 0.5}  # 'france' is missing
    assert partial.score_details["judge_correctness"]["verdicts"][0]["grade"] == "partially_correct"


def test_metrics_that_do_not_apply_make_no_call(server: MockServer, make_judge: MakeJudge) -> None:
    key = uuid.uuid4().hex
    bare = DatasetItem(id="bare", prompt="Tell me about owls.")
    judge = make_judge("openai", headers={"x-mock-fault-key": key})
    [row] = judge_rows(judge, ["judge_faithfulness", "judge_correctness"], ["Owls hunt at night."], item=bare)
    assert row.scores == {} and row.eval_errors == {} and row.judge_usage == {}
    assert row.evaluated == ["judge_faithfulness", "judge_correctness"]
    assert sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key) == 0


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["malformed", "off_schema"])
def test_unparseable_verdict_is_a_counted_failure_with_its_raw_text(
    make_judge: MakeJudge, provider: str, mode: str
) -> None:
    [row] = judge_rows(make_judge(provider, mode), ["judge_relevance", "judge_correctness"], [HALF_RIGHT])
    assert row.scores == {}  # never a default score
    for metric in ("judge_relevance", "judge_correctness"):
        failure = row.eval_errors[metric]
        assert failure.error_type == "UnparseableVerdict"
        assert len(failure.raw) == 1 and failure.raw[0]
        if mode == "malformed":
            with pytest.raises(ValueError):
                json.loads(failure.raw[0])
        else:
            assert json.loads(failure.raw[0]) == {"verdict": "looks fine to me", "confidence": "high"}
        assert failure.details["prompts"][0]["version"] == "1"
        usage = row.judge_usage[metric]
        assert (usage.evaluations, usage.failed_evaluations, usage.calls, usage.unparseable) == (1, 1, 1, 1)
        assert usage.failed_calls == 0 and usage.input_tokens > 0 and usage.cost_usd and usage.cost_usd > 0
        assert usage.parse_failure_rate == 1.0


def test_a_failed_metric_is_left_out_of_the_item_quality(make_judge: MakeJudge) -> None:
    [row] = judge_rows(make_judge("openai", "malformed"), ["judge_relevance"], [HALF_RIGHT])
    scored = row.model_copy(update={"scores": {"faithfulness": 0.8, "relevance": 0.5}})
    assert item_quality(scored.scores) == pytest.approx((0.4 * 0.8 + 0.3 * 0.5) / 0.7)
    assert "judge_relevance" in row.evaluated and "judge_relevance" not in row.scores


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_judge_timeout_fails_the_evaluation_after_the_runners_retries(
    server: MockServer, make_judge: MakeJudge, provider: str
) -> None:
    key = uuid.uuid4().hex
    judge = make_judge(provider, headers={"x-mock-fault": "timeout", "x-mock-delay": "5", "x-mock-fault-key": key})
    policy = POLICY.model_copy(update={"timeout_seconds": 0.3})
    [row] = judge_rows(judge, ["judge_relevance"], [HALF_RIGHT], policy=policy)
    failure = row.eval_errors["judge_relevance"]
    assert failure.error_type == "JudgeCallFailed"
    assert failure.raw == []
    [repeat] = failure.details["failed_repeats"]
    assert repeat["error_type"] == "JudgeCallFailed" and repeat["attempts"] == 2
    assert repeat["provider_error"] == "ProviderTimeout"
    assert sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key) == 2
    usage = row.judge_usage["judge_relevance"]
    assert (usage.calls, usage.failed_calls, usage.failed_evaluations, usage.unparseable) == (1, 1, 1, 0)
    assert usage.input_tokens == 0 and usage.cost_usd == 0.0


def test_a_server_error_after_retries_is_a_failed_evaluation(server: MockServer, make_judge: MakeJudge) -> None:
    key = uuid.uuid4().hex
    judge = make_judge("anthropic", headers={"x-mock-fault": "server_error", "x-mock-fault-key": key})
    [row] = judge_rows(judge, ["judge_correctness"], [HALF_RIGHT])
    failure = row.eval_errors["judge_correctness"]
    assert failure.error_type == "JudgeCallFailed" and "after 2 attempt(s)" in failure.message
    assert failure.details["failed_repeats"][0]["provider_error"] == "ServerError"
    assert sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key) == 2


def test_repeats_of_a_consistent_judge_agree(server: MockServer, make_judge: MakeJudge) -> None:
    key = uuid.uuid4().hex
    [row] = judge_rows(
        make_judge("ollama", headers={"x-mock-fault-key": key}), ["judge_faithfulness"], [HALF_RIGHT], repeats=3
    )
    details = row.score_details["judge_faithfulness"]
    assert details["repeats"] == 3 and details["scores"] == [0.5, 0.5, 0.5]
    assert details["agreement"] == {"items": 1, "mean_abs_deviation": 0.0, "identical_share": 1.0}
    assert row.scores["judge_faithfulness"] == 0.5
    # two calls per repeat (claims, then their verdicts), each repeat a distinct request
    assert sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key) == 6
    assert row.judge_usage["judge_faithfulness"].calls == 6


def test_repeats_of_a_noisy_judge_report_their_disagreement(make_judge: MakeJudge) -> None:
    answer = "Paris is the capital of France. It lies on the Seine. It has ten million cats. France is big."
    [row] = judge_rows(make_judge("openai", "noisy"), ["judge_relevance"], [answer], repeats=5)
    details = row.score_details["judge_relevance"]
    scores = details["scores"]
    assert len(scores) == 5
    assert row.scores["judge_relevance"] == pytest.approx(sum(scores) / 5)  # the mean is the score
    expected = agreement(scores)
    assert expected is not None and details["agreement"] == expected.model_dump()
    assert len(set(scores)) > 1  # the noisy judge (seeded by each repeat's prompt) disagrees with itself here
    assert details["agreement"]["identical_share"] < 1.0 and details["agreement"]["mean_abs_deviation"] > 0


def test_one_failed_repeat_leaves_the_mean_of_the_others(server: MockServer, make_judge: MakeJudge) -> None:
    key = uuid.uuid4().hex
    headers = {"x-mock-fault": "bad_request", "x-mock-fault-count": "1", "x-mock-fault-key": key}
    [row] = judge_rows(make_judge("openai", headers=headers), ["judge_correctness"], [HALF_RIGHT], repeats=2)
    details = row.score_details["judge_correctness"]
    assert row.scores == {"judge_correctness": 1.0} and details["scores"] == [1.0]
    [failed] = details["failed_repeats"]
    assert (failed["error_type"], failed["provider_error"], failed["attempts"]) == (
        "JudgeCallFailed",
        "InvalidRequestError",
        1,
    )
    usage = row.judge_usage["judge_correctness"]
    assert (usage.calls, usage.failed_calls, usage.failed_evaluations) == (2, 1, 0)
    assert "agreement" not in details  # one usable repeat: nothing to agree with


def test_a_deadline_during_judging_keeps_the_models_answer(server: MockServer, make_judge: MakeJudge) -> None:
    from llmbench.evaluators import make_scorer
    from llmbench.execution import ModelRunner

    judge = make_judge("openai", headers={"x-mock-fault": "timeout", "x-mock-delay": "30"})
    model = ModelConfig(provider="ollama", model="llama-mock", base_url=server.ollama_base_url)

    async def go() -> list[ModelResult]:
        evaluators = build_evaluators(["judge_relevance"], EvaluationConfig(), judge, policy=POLICY)
        runner = ModelRunner(model, policy=POLICY, scorer=make_scorer(evaluators))
        try:
            await asyncio.wait_for(runner.run([ITEM]), timeout=1.0)
        except TimeoutError:
            pass
        finally:
            await close_evaluators(evaluators)
        return runner.collect([ITEM], "not finished before the overall timeout")

    [row] = asyncio.run(go())
    assert row.success and row.response  # the answer arrived before the deadline; only its judging was cut
    assert row.scores == {} and row.evaluated == []  # left for the evaluate step, not scored 0
