"""The deployment forms as Prefect builds them from the request models: the required field first, a title and a
description for every field, real defaults instead of None toggles; and what a left-out field resolves to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.benchmark import benchmark_models
from flows.compare import compare_models
from flows.refresh import RefreshRequest, refresh_router_profiles
from llmbench.config import load_config
from llmbench.runs import BenchmarkRequest, CompareRequest, resolve_settings
from llmbench.types import DEFAULT_METRICS
from tests.conftest import write_config


def _form(flow: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request parameter's schema as Prefect shows it, and the schema definitions."""
    schema = flow.parameters.model_dump()
    request = schema["properties"]["request"]
    ref = request.get("$ref") or next(x["$ref"] for x in request.get("anyOf", []) if "$ref" in x)
    definitions = schema["definitions"]
    return definitions[ref.rsplit("/", 1)[-1]], definitions


def _null_toggles(properties: dict[str, Any]) -> list[str]:
    return [name for name, p in properties.items() if {"type": "null"} in p.get("anyOf", [])]


@pytest.mark.parametrize("flow", [compare_models, benchmark_models, refresh_router_profiles])
def test_every_field_has_a_title_and_a_description(flow: Any) -> None:
    form, definitions = _form(flow)
    for name, field in form["properties"].items():
        assert field.get("description"), name
        titled = field.get("title") or definitions.get(field.get("$ref", "").rsplit("/", 1)[-1], {}).get("title")
        assert titled and titled != "Field", name


def test_compare_form_puts_the_prompt_first_and_shows_the_defaults_used() -> None:
    form, definitions = _form(compare_models)
    assert form["title"] == "Comparison" and form["required"] == ["prompt"]
    assert list(form["properties"])[:3] == ["prompt", "context", "reference"]
    properties = form["properties"]
    assert properties["metrics"]["default"] == list(DEFAULT_METRICS)  # not "No items in this list"
    assert properties["concurrency"]["default"] == 10 and properties["timeout_seconds"]["default"] == 300
    assert properties["stats"]["default"] is True and properties["cache"]["default"] is True
    assert properties["weights"]["default"] == {"quality": 0.6, "performance": 0.2, "cost": 0.2}
    assert definitions["RankingWeights"]["title"] == "Ranking weights"
    # Only fields without a default value may be left empty.
    assert _null_toggles(properties) == []
    assert properties["context"]["default"] == "" and properties["resume"]["default"] == ""


def test_benchmark_and_refresh_forms_show_their_defaults() -> None:
    form, _ = _form(benchmark_models)
    properties = form["properties"]
    assert properties["dataset"]["default"] == "examples/datasets/qa_small.jsonl"
    assert properties["update_profiles"]["default"] is True
    assert _null_toggles(properties) == ["limit"]
    refresh, _ = _form(refresh_router_profiles)
    assert refresh["properties"]["models"]["default"] == ["sim:oracle-xl", "sim:balanced-m", "sim:swift-s"]
    assert _null_toggles(refresh["properties"]) == ["limit"]
    schema = refresh_router_profiles.parameters.model_dump()
    assert "anyOf" not in schema["properties"]["request"] and schema["required"] == []


def test_a_left_out_field_takes_the_config_value_and_a_given_one_wins(workspace: Path) -> None:
    write_config(
        workspace,
        "[orchestration]\nconcurrency_limit = 7\ncomparison_timeout_seconds = 90\n"
        "[ranking]\nquality = 0.8\nperformance = 0.1\ncost = 0.1\n[cache]\nenabled = false\n"
        "[statistics]\nenabled = false\n",
    )
    config = load_config()
    left_out = resolve_settings(CompareRequest(prompt="hi", models=["sim:swift-s"]), config)
    assert (left_out.concurrency, left_out.timeout_seconds, left_out.weights.quality) == (7, 90, 0.8)
    assert left_out.store.cache is False and left_out.statistics.enabled is False
    # A form sends every field it shows: those values win over the file.
    form = CompareRequest.model_validate(
        {"prompt": "hi", "models": ["sim:swift-s"], "concurrency": 10, "timeout_seconds": 300, "cache": True}
    )
    given = resolve_settings(form, config)
    assert (given.concurrency, given.timeout_seconds, given.store.cache) == (10, 300, True)
    # null, as older forms and deployments send it, means "left out".
    nulls = CompareRequest.model_validate({"prompt": "hi", "models": ["sim:swift-s"], "concurrency": None})
    assert resolve_settings(nulls, config).concurrency == 7


def test_update_profiles_left_out_follows_the_config() -> None:
    assert BenchmarkRequest().given("update_profiles") is None
    assert BenchmarkRequest(update_profiles=False).given("update_profiles") is False


def test_refresh_request_left_out_uses_the_probe_of_the_config() -> None:
    assert RefreshRequest().model_fields_set == set() and RefreshRequest().label() == "refresh profiles"
    assert RefreshRequest(dataset="d/x.jsonl", models=["sim:swift-s"]).label() == "refresh x · 1 model"


def test_labels_name_runs_before_they_start() -> None:
    long = "Explain, in detail and with examples, why the sky appears blue during the day"
    assert CompareRequest(prompt=long, models=["a", "b"]).label().startswith("compare · 2 models · “Explain, in")
    assert CompareRequest(prompt=long).label().endswith("…”")
    assert BenchmarkRequest(models=["a"] * 5).label() == "bench qa_small · 5 models"
