"""``[evaluation]`` in llmbench.toml and the factory that builds a run's evaluators from it."""

from __future__ import annotations

import asyncio
import tomllib

import pytest

from llmbench.config import EvaluationConfig, RubricConfig, parse_config
from llmbench.errors import ConfigError, ProviderNotFound
from llmbench.evaluators import CoherenceEvaluator, get_evaluator, make_scorer
from llmbench.evaluators.judge import (
    JudgeCorrectness,
    JudgeFaithfulness,
    JudgeRelevance,
    RubricEvaluator,
    build_evaluators,
    default_metrics,
    judge_metric_catalog,
)
from llmbench.types import DEFAULT_METRICS, ModelConfig

JUDGE = ModelConfig(provider="sim", model="oracle-xl")
TOML = """
[models.grader]
provider = "openai"
model = "gpt-4o-mini"
base_url = "http://127.0.0.1:9/v1"
temperature = 0.9

[evaluation]
judge = "grader"
judge_repeats = 3
judge_concurrency = 2

[evaluation.rubrics.tone]
criteria = "Polite and professional."
steps = ["Look for rude words.", "Check the register."]
"""


def test_the_evaluation_table_is_read_and_the_judge_resolved() -> None:
    config = parse_config(tomllib.loads(TOML), source="llmbench.toml")
    evaluation = config.evaluation
    assert (evaluation.judge, evaluation.judge_repeats, evaluation.judge_concurrency) == ("grader", 3, 2)
    assert evaluation.rubrics["tone"].steps == ["Look for rude words.", "Check the register."]
    judge = config.resolve_judge()
    assert judge is not None and judge.identifier == "openai/gpt-4o-mini" and judge.alias == "grader"
    assert config.resolve_judge("sim:balanced-m") == ModelConfig(provider="sim", model="balanced-m")
    assert parse_config({}).resolve_judge() is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[evaluation]\njudge = "nonsense"', "[evaluation] judge = 'nonsense': unknown model"),
        ("[evaluation]\njudge_repeats = 0", "[evaluation] judge_repeats = 0"),
        ("[evaluation]\njudges = 'x'", "[evaluation] judges: unknown key"),
        ('[evaluation.rubrics."bad name"]\ncriteria = "x"', "rubric names may use"),
        ('[evaluation.rubrics.tone]\ncriteria = ""', "criteria"),
    ],
)
def test_bad_evaluation_settings_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(tomllib.loads(text), source="llmbench.toml").resolve_judge()
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("llmbench.toml")


@pytest.mark.parametrize("metric", ["judge_faithfulness", "judge_correctness", "judge_relevance", "rubric:tone"])
def test_a_judge_metric_without_a_judge_names_the_option(metric: str) -> None:
    with pytest.raises(ConfigError, match=r"needs a judge model: set \[evaluation\] judge") as info:
        build_evaluators(["coherence", metric], EvaluationConfig(), None)
    assert repr(metric) in str(info.value)
    with pytest.raises(ConfigError, match="needs a judge"):
        get_evaluator(metric)  # what callers that only know metric names meet
    with pytest.raises(ConfigError, match="needs a judge"):
        make_scorer([metric])


def test_the_factory_builds_offline_and_judge_evaluators_sharing_one_judge() -> None:
    evaluation = EvaluationConfig(
        judge_repeats=2, judge_concurrency=3, rubrics={"tone": RubricConfig(criteria="Kind.")}
    )
    metrics = ["coherence", "judge_faithfulness", "judge_correctness", "judge_relevance", "rubric:tone", "coherence"]
    built = build_evaluators(metrics, evaluation, JUDGE)
    assert [type(e) for e in built[:4]] == [CoherenceEvaluator, JudgeFaithfulness, JudgeCorrectness, JudgeRelevance]
    rubric = built[4]
    assert isinstance(rubric, RubricEvaluator) and rubric.name == "rubric:tone" and rubric.criteria == "Kind."
    judges = [e for e in built if isinstance(e, (JudgeFaithfulness, JudgeCorrectness, JudgeRelevance, RubricEvaluator))]
    assert len({id(e.judge) for e in judges}) == 1 and all(e.repeats == 2 for e in judges)
    client = judges[0].judge
    assert client.concurrency == 3 and client.config.temperature == 0.0  # the judge temperature, not the model's
    assert len(built) == 5


def test_unknown_rubric_and_unknown_judge_provider() -> None:
    with pytest.raises(ConfigError, match=r"no \[evaluation.rubrics.style\] table.*rubric:tone"):
        build_evaluators(["rubric:style"], EvaluationConfig(rubrics={"tone": RubricConfig(criteria="x")}), JUDGE)
    with pytest.raises(ProviderNotFound, match="unknown provider 'nope'"):
        build_evaluators(["judge_relevance"], EvaluationConfig(), ModelConfig(provider="nope", model="m"))
    with pytest.raises(ConfigError, match="unknown metric 'bleuu'"):
        build_evaluators(["bleuu"], EvaluationConfig(), JUDGE)


def test_judge_metrics_join_the_defaults_only_with_a_judge() -> None:
    evaluation = EvaluationConfig(rubrics={"tone": RubricConfig(criteria="x"), "brevity": RubricConfig(criteria="y")})
    assert default_metrics(evaluation, has_judge=False) == list(DEFAULT_METRICS)
    assert default_metrics(evaluation, has_judge=True) == [
        *DEFAULT_METRICS,
        "judge_faithfulness",
        "judge_correctness",
        "judge_relevance",
        "rubric:brevity",
        "rubric:tone",
    ]


def test_the_catalogue_says_what_each_judge_metric_needs_and_costs() -> None:
    catalog = {
        m.name: m
        for m in judge_metric_catalog(EvaluationConfig(judge_repeats=3, rubrics={"t": RubricConfig(criteria="x")}))
    }
    assert catalog["judge_faithfulness"].needs == ("context", "judge")
    assert catalog["judge_faithfulness"].calls_per_answer == 6
    assert catalog["judge_correctness"].needs == ("reference", "judge")
    assert catalog["rubric:t"].calls_per_answer == 3


def test_a_sim_judge_works_offline_and_deterministically() -> None:
    from llmbench.evaluators import evaluate_results
    from llmbench.types import DatasetItem, ModelResult

    item = DatasetItem(id="i", prompt="Capital of France?", context="Paris is the capital of France.")
    row = ModelResult(model="m", item_id="i", success=True, response="Paris is the capital of France.")

    async def go() -> list[ModelResult]:
        evaluators = build_evaluators(["judge_faithfulness"], EvaluationConfig(), JUDGE)
        return await evaluate_results([row], {"i": item}, evaluators)

    first, second = asyncio.run(go()), asyncio.run(go())
    assert first[0].scores == second[0].scores == {"judge_faithfulness": 1.0}
    usage = first[0].judge_usage["judge_faithfulness"]
    assert usage.model == "sim/oracle-xl" and usage.calls == 2 and usage.cost_usd and usage.cost_usd > 0
