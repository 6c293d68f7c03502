from __future__ import annotations

import asyncio
import time

import pytest

from llmbench.errors import ModelNotFoundError
from llmbench.execution import ModelRunner, build_request
from llmbench.providers.sim import SIM_CATALOGUE, SimProvider
from llmbench.types import DatasetItem, ModelConfig, SimSpec

ITEMS = [
    DatasetItem(
        id=f"q{i}",
        prompt=f"What does photosynthesis produce in plant {i}?",
        context="Photosynthesis turns light into glucose. Oxygen is released.",
        reference="Photosynthesis produces glucose and oxygen.",
    )
    for i in range(40)
]


def _run(model: str, items=ITEMS, **spec):
    base = SIM_CATALOGUE.get(model, SimSpec())
    config = ModelConfig(provider="sim", model=model, simulation=base.model_copy(update=spec) if spec else None)
    return asyncio.run(ModelRunner(config).run(items))


def test_catalogue_has_distinct_models() -> None:
    assert len(SIM_CATALOGUE) >= 4
    qualities = {s.quality for s in SIM_CATALOGUE.values()}
    latencies = {s.latency_ms for s in SIM_CATALOGUE.values()}
    assert len(qualities) >= 4 and len(latencies) >= 4
    assert any(s.failure_rate > 0 for s in SIM_CATALOGUE.values())


def test_same_seed_same_answers() -> None:
    first = _run("swift-s")
    second = _run("swift-s")
    assert [r.response for r in first] == [r.response for r in second]
    assert [r.latency_ms for r in first] == [r.latency_ms for r in second]


def test_strong_model_returns_the_reference_more_often_than_weak() -> None:
    strong = sum(r.response.startswith("Photosynthesis produces") for r in _run("oracle-xl", latency_ms=1))
    weak = sum(r.response.startswith("Photosynthesis produces") for r in _run("swift-s", latency_ms=1))
    assert strong >= 32 and weak <= 24 and strong > weak


def test_flaky_model_fails_a_share_of_calls_as_counted_failures() -> None:
    results = _run("flaky", quality=0.8, latency_ms=1, failure_rate=0.25)
    failed = [r for r in results if not r.success]
    assert 4 <= len(failed) <= 18
    assert all(r.error_type == "ServerError" and "503" in (r.error or "") for r in failed)
    assert all(r.attempts == 3 for r in failed)  # retried, and the simulation fails the same way again


def test_latency_is_really_awaited() -> None:
    provider = SimProvider(ModelConfig(provider="sim", model="x", simulation=SimSpec(latency_ms=150, jitter=0)))
    started = time.perf_counter()
    completion = asyncio.run(provider.generate(build_request(ITEMS[0])))
    assert time.perf_counter() - started >= 0.14
    assert completion.simulated and completion.latency_ms == 150


def test_unknown_sim_model_names_the_catalogue() -> None:
    with pytest.raises(ModelNotFoundError, match="oracle-xl"):
        SimProvider(ModelConfig(provider="sim", model="does-not-exist"))


def test_price_unknown_model_has_no_cost() -> None:
    results = _run("mystery-x", items=ITEMS[:3])
    assert all(r.success and r.cost_usd is None and not r.price_known for r in results)
    priced = _run("oracle-xl", items=ITEMS[:1])[0]
    assert priced.price_known and priced.cost_usd is not None and priced.cost_usd > 0


def _answers(item: DatasetItem, **spec) -> list[str]:
    out = []
    for seed in range(30):
        config = ModelConfig(provider="sim", model="x", simulation=SimSpec(latency_ms=0, seed=seed, **spec))
        out.append(asyncio.run(SimProvider(config).generate(build_request(item))).text)
    return out


CAPITAL = DatasetItem(
    id="capital",
    prompt="What is the capital of Australia?",
    context="Canberra is the capital city of Australia. Sydney is its largest city.",
    reference="Canberra is the capital of Australia.",
    references=["Canberra"],
    incorrect_references=["Sydney is the capital of Australia."],
)


def test_good_answers_vary_between_short_and_long_forms() -> None:
    answers = set(_answers(CAPITAL, quality=1.0))
    assert "Canberra" in answers and "Canberra is the capital of Australia." in answers
    assert any(len(a) > len("Canberra is the capital of Australia.") for a in answers)


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("misconception", "Sydney is the capital of Australia."),
        ("polarity_flip", "Canberra is not the capital of Australia."),
        ("entity_swap", "Canberra is the capital of Sydney."),
    ],
)
def test_weak_styles_are_realistic_failure_modes(style: str, expected: str) -> None:
    answers = _answers(CAPITAL.model_copy(update={"references": []}), quality=0.0, weak_styles=(style,))
    assert expected in answers


def test_number_change_and_fallback_when_a_style_does_not_fit() -> None:
    bridge = DatasetItem(id="b", prompt="When did the bridge open?", reference="The bridge opened in 1926.")
    changed = _answers(bridge, quality=0.0, weak_styles=("number_change",))
    assert all("1926" not in a and "bridge opened in" in a for a in changed)
    no_number = _answers(CAPITAL, quality=0.0, weak_styles=("number_change",))  # falls back to an invented claim
    assert all("Canberra is the capital" not in a for a in no_number)


def test_unknown_weak_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="weak_styles"):
        SimSpec(weak_styles=("sarcastic",))


def test_measured_quality_tracks_the_true_quality() -> None:
    from llmbench.evaluators import build_offline_evaluators, item_quality
    from llmbench.types import DEFAULT_METRICS

    evaluators = build_offline_evaluators(DEFAULT_METRICS)

    def quality(answer: str) -> float:
        verdicts = [asyncio.run(e.evaluate(CAPITAL, answer)) for e in evaluators]
        return item_quality({v.name: v.score for v in verdicts if v is not None})

    means = {q: sum(map(quality, _answers(CAPITAL, quality=q))) / 30 for q in (0.2, 0.5, 0.9)}
    assert means[0.2] < means[0.5] < means[0.9]
    assert means[0.9] - means[0.2] > 0.4
