"""Reference metrics from maintained libraries and item-declared expectations."""

from __future__ import annotations

import pytest

from llmbench.evaluators import (
    BleuEvaluator,
    ChrfEvaluator,
    ContainsEvaluator,
    Evaluator,
    ExactMatchEvaluator,
    JsonSchemaEvaluator,
    JsonValidEvaluator,
    NumericEvaluator,
    RegexEvaluator,
    RougeLEvaluator,
    TokenF1Evaluator,
)
from llmbench.evaluators.reference.normalize import normalize_answer
from llmbench.types import DatasetItem

from .conftest import score, verdict

REF = DatasetItem(
    id="q",
    prompt="What does photosynthesis produce?",
    reference="Photosynthesis produces glucose and oxygen.",
    references=["glucose and oxygen"],
)
BARE = DatasetItem(id="bare", prompt="Say something.")
RIGHT = "Photosynthesis produces glucose and releases oxygen."
WRONG = "The weather in coastal towns changes quickly."


@pytest.mark.parametrize(
    "evaluator",
    [
        ExactMatchEvaluator(),
        TokenF1Evaluator(),
        RougeLEvaluator(),
        ChrfEvaluator(),
        BleuEvaluator(),
        ContainsEvaluator(),
        RegexEvaluator(),
        NumericEvaluator(),
        JsonValidEvaluator(),
        JsonSchemaEvaluator(),
    ],
)
def test_not_applicable_without_what_the_metric_needs(evaluator: Evaluator) -> None:
    assert verdict(evaluator, BARE, "anything") is None


@pytest.mark.parametrize("evaluator", [TokenF1Evaluator(), RougeLEvaluator(), ChrfEvaluator(), BleuEvaluator()])
def test_overlap_metrics_rank_right_above_wrong(evaluator: Evaluator) -> None:
    right, wrong = score(evaluator, REF, RIGHT), score(evaluator, REF, WRONG)
    assert right > 0.4 and wrong < 0.2 and right > wrong
    assert score(evaluator, REF, "Photosynthesis produces glucose and oxygen.") == pytest.approx(1.0)


def test_exact_match_uses_squad_normalisation_over_all_references() -> None:
    assert normalize_answer("  The Glucose, and   OXYGEN!") == "glucose and oxygen"
    assert score(ExactMatchEvaluator(), REF, "The glucose and oxygen.") == 1.0
    assert score(ExactMatchEvaluator(), REF, RIGHT) == 0.0


def test_token_f1_known_value() -> None:
    # answer tokens: glucose, oxygen; best reference "glucose and oxygen": P = 1, R = 2/3
    assert score(TokenF1Evaluator(), REF, "oxygen glucose") == pytest.approx(0.8)


def test_rouge_l_handles_non_ascii_words() -> None:
    item = DatasetItem(id="q", prompt="¿Dónde?", reference="Carmen Ibarra nació en Sevilla")
    assert score(RougeLEvaluator(), item, "Carmen Ibarra nació en Sevilla") == pytest.approx(1.0)
    assert score(RougeLEvaluator(), item, "Ibarra nació en Málaga") < 1.0


def test_contains_and_regex_share_of_expectations() -> None:
    item = DatasetItem(id="q", prompt="p", contains=["Glucose", "oxygen  released"], regex=[r"\bgluc", r"^\d+$"])
    assert score(ContainsEvaluator(), item, "glucose is made and OXYGEN released") == 1.0
    assert score(ContainsEvaluator(), item, "glucose is made") == 0.5
    assert score(RegexEvaluator(), item, "glucose") == 0.5
    result = verdict(RegexEvaluator(), item, "42")
    assert result is not None and result.score == 0.5 and result.details["unmatched"] == [r"\bgluc"]


def test_numeric_compares_values_with_tolerance() -> None:
    item = DatasetItem(id="q", prompt="Speed?", reference="Its average speed is 80 km per hour.")
    assert score(NumericEvaluator(), item, "eighty") == 1.0
    assert score(NumericEvaluator(), item, "80.0 km/h") == 1.0
    assert score(NumericEvaluator(), item, "81 km/h") == 0.0
    assert score(NumericEvaluator(), item, "fast") == 0.0
    tolerant = item.model_copy(update={"numeric_tolerance": 2})
    assert score(NumericEvaluator(), tolerant, "81 km/h") == 1.0
    relative = item.model_copy(update={"numeric_tolerance": "5%"})
    assert score(NumericEvaluator(), relative, "77") == 1.0 and score(NumericEvaluator(), relative, "70") == 0.0
    assert verdict(NumericEvaluator(), REF, "42") is None  # no number in the references


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def test_json_valid_tolerates_one_code_fence_and_reports_it() -> None:
    item = DatasetItem(id="q", prompt="p", answer_format="json")
    assert score(JsonValidEvaluator(), item, '{"a": 1}') == 1.0
    fenced = verdict(JsonValidEvaluator(), item, '```json\n{"a": 1}\n```')
    assert fenced is not None and fenced.score == 1.0 and fenced.details["fenced"] is True
    broken = verdict(JsonValidEvaluator(), item, '{"a": 1')
    assert broken is not None and broken.score == 0.0 and "line 1" in broken.details["error"]


def test_json_schema_validates_and_lists_violations() -> None:
    item = DatasetItem(id="q", prompt="p", json_schema=SCHEMA)
    assert score(JsonSchemaEvaluator(), item, '{"name": "Ada", "age": 36}') == 1.0
    assert score(JsonValidEvaluator(), item, '{"name": "Ada"}') == 1.0  # a schema implies JSON is expected
    bad = verdict(JsonSchemaEvaluator(), item, '{"name": "Ada", "age": -1}')
    assert bad is not None and bad.score == 0.0 and bad.details["errors"] == ["age: -1 is less than the minimum of 0"]
    not_json = verdict(JsonSchemaEvaluator(), item, "Ada, 36")
    assert not_json is not None and not_json.score == 0.0 and not_json.details["reason"].startswith("not JSON")
