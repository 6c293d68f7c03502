import pytest

from llmbench.errors import InvalidWeights, NoModelsMeetConstraints
from llmbench.router import (
    ModelConstraints,
    ModelProfile,
    ModelRouter,
    ProfileSource,
    RoutingStrategy,
    RoutingWeights,
    TaskStats,
    UnprofiledPolicy,
    open_store,
)
from llmbench.types import ModelConfig, TaskType

PROMPT = "Write a function to sort an array"


def seed_profile(quality: float, latency: float, cost: float | None, context: int = 100_000) -> ModelProfile:
    """The seed's simple form: one quality, one latency, one cost per 1k tokens."""
    return ModelProfile(
        quality_score=quality, avg_latency_ms=latency, cost_per_1k_tokens=cost, context_limit=context, sample_count=20
    )


def stats(**kw: float) -> TaskStats:
    base = dict(quality_mean=0.8, quality_stderr=0.0, latency_p50_ms=500, latency_p95_ms=600, output_tokens=200)
    base["cost_per_1k_tokens"] = 0.01
    base["sample_count"] = 20
    base.update(kw)
    return TaskStats(**base)


@pytest.fixture
def trio() -> dict[str, ModelProfile]:
    return {
        "p/fast": seed_profile(0.6, 100, 0.01),
        "p/strong": seed_profile(0.95, 2000, 0.05),
        "p/cheap": seed_profile(0.7, 900, 0.001),
    }


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (RoutingStrategy.QUALITY, "p/strong"),
        (RoutingStrategy.LATENCY, "p/fast"),
        (RoutingStrategy.COST_OPTIMIZED, "p/cheap"),
    ],
)
def test_strategies_pick_the_obvious_model(trio: dict[str, ModelProfile], strategy: RoutingStrategy, expected: str):
    selection = ModelRouter(profiles=trio, strategy=strategy).select_model(PROMPT)
    assert selection.model == expected
    assert selection.strategy == strategy
    assert len(selection.alternatives) == 2


def test_balanced_prefers_good_fast_cheap_over_best_and_explains():
    profiles = {"p/good": seed_profile(0.85, 800, 0.02), "p/best": seed_profile(0.95, 2000, 0.05)}
    selection = ModelRouter(profiles=profiles).select_model(PROMPT, ["p/best", "p/good"])
    assert selection.model == "p/good"
    assert selection.components["quality"] == pytest.approx(0.85 / 0.95)
    assert selection.components["speed"] == selection.components["cost"] == 1.0
    assert selection.score == pytest.approx(0.5 * 0.85 / 0.95 + 0.5)
    (alt,) = selection.alternatives
    assert alt.model == "p/best"
    assert alt.score == pytest.approx(0.5 + 0.25 * 0.4 + 0.25 * 0.4, abs=1e-4)  # eps in the cost term
    assert "lost on" in alt.reason and "p50 2000 ms vs 800 ms" in alt.reason and "did not make up" in alt.reason
    assert "balanced" in selection.reasoning and "p/good scored" in selection.reasoning


def test_balanced_weights_are_configurable():
    profiles = {"p/good": seed_profile(0.85, 800, 0.02), "p/best": seed_profile(0.95, 2000, 0.05)}
    router = ModelRouter(profiles=profiles, weights=RoutingWeights(quality=0.9, speed=0.05, cost=0.05))
    assert router.select_model(PROMPT).model == "p/best"


def test_weights_must_be_valid():
    with pytest.raises(InvalidWeights, match="sum to 1"):
        RoutingWeights(quality=0.5, speed=0.5, cost=0.5)
    with pytest.raises(InvalidWeights, match="negative"):
        RoutingWeights(quality=1.5, speed=-0.25, cost=-0.25)


def test_max_cost_uses_prompt_tokens_and_typical_output():
    profiles = {
        "p/short": ModelProfile(overall=stats(output_tokens=100, cost_per_1k_tokens=0.01), context_limit=10**6),
        "p/long": ModelProfile(overall=stats(output_tokens=2000, cost_per_1k_tokens=0.01), context_limit=10**6),
    }
    router = ModelRouter(profiles=profiles)
    short = router.select_model("x" * 400, ["p/short"])
    assert short.estimated_input_tokens == 100
    assert short.estimated_cost_usd == pytest.approx(200 * 0.01 / 1000)
    limit = ModelConstraints(max_cost_usd=0.005)
    selection = router.select_model("x" * 400, constraints=limit)
    assert selection.model == "p/short" and selection.excluded == {"max_cost_usd": 1}
    # A long prompt costs more: the same limit now excludes both.
    with pytest.raises(NoModelsMeetConstraints) as err:
        router.select_model("x" * 40_000, constraints=limit)
    assert err.value.constraint == "max_cost_usd"
    assert "cheapest p/short" in str(err.value)


def test_declared_price_gives_exact_cost():
    profiles = initial = ModelRouter().profiles
    oracle = profiles["sim/oracle-xl"]
    assert oracle.price is not None
    selection = ModelRouter(profiles=initial).select_model("x" * 4000, ["sim/oracle-xl"])
    expected = 1000 * oracle.price.input_per_mtok / 1e6 + 150 * oracle.price.output_per_mtok / 1e6
    assert selection.estimated_cost_usd == pytest.approx(expected)


def test_max_latency_checks_p95_not_mean():
    profiles = {
        "p/steady": ModelProfile(overall=stats(latency_p50_ms=900, latency_p95_ms=1200)),
        "p/spiky": ModelProfile(overall=stats(latency_p50_ms=500, latency_p95_ms=2500)),
    }
    selection = ModelRouter(profiles=profiles).select_model(PROMPT, constraints=ModelConstraints(max_latency_ms=2000))
    assert selection.model == "p/steady"
    assert selection.alternatives[0].excluded_by == "max_latency_ms"


def test_min_quality_checks_lower_bound():
    profiles = {
        "p/sure": ModelProfile(overall=stats(quality_mean=0.82, quality_stderr=0.005)),
        "p/unsure": ModelProfile(overall=stats(quality_mean=0.9, quality_stderr=0.1)),  # low end 0.736
    }
    router = ModelRouter(profiles=profiles, strategy=RoutingStrategy.QUALITY)
    assert router.select_model(PROMPT).model == "p/unsure"
    selection = router.select_model(PROMPT, constraints=ModelConstraints(min_quality=0.8))
    assert selection.model == "p/sure"
    assert selection.quality_interval[0] >= 0.8


def test_min_context_and_prompt_fit():
    profiles = {"p/small": seed_profile(0.9, 100, 0.01, context=8_000), "p/big": seed_profile(0.6, 900, 0.01)}
    router = ModelRouter(profiles=profiles)
    assert router.select_model(PROMPT).model == "p/small"
    assert router.select_model(PROMPT, constraints=ModelConstraints(min_context_tokens=32_000)).model == "p/big"
    huge = "word " * 10_000  # ~12,500 tokens: does not fit in 8k
    assert router.select_model(huge).model == "p/big"


def test_prompt_and_typical_output_must_fit_the_context_exactly():
    # "x" * 400 is ~100 prompt tokens; stats() gives 200 output tokens, so 300 tokens of context is just enough.
    profiles = {
        "p/fits": ModelProfile(overall=stats(quality_mean=0.7), context_limit=300),
        "p/short": ModelProfile(overall=stats(quality_mean=0.9), context_limit=299),
    }
    selection = ModelRouter(profiles=profiles).select_model("x" * 400)
    assert selection.model == "p/fits" and selection.excluded == {"context_limit": 1}
    assert selection.alternatives[0].excluded_by == "context_limit"


def test_a_candidate_is_counted_under_the_first_constraint_it_fails():
    profiles = {
        "p/ok": ModelProfile(overall=stats(quality_mean=0.9, latency_p95_ms=600)),
        "p/both": ModelProfile(overall=stats(quality_mean=0.5, latency_p95_ms=5000)),
        "p/slow": ModelProfile(overall=stats(quality_mean=0.9, latency_p95_ms=5000)),
    }
    limits = ModelConstraints(min_quality=0.8, max_latency_ms=1000)
    selection = ModelRouter(profiles=profiles).select_model(PROMPT, constraints=limits)
    assert selection.model == "p/ok"
    assert selection.excluded == {"min_quality": 1, "max_latency_ms": 1}
    # Excluded alternatives are listed best quality first.
    assert [(a.model, a.excluded_by) for a in selection.alternatives] == [
        ("p/slow", "max_latency_ms"),
        ("p/both", "min_quality"),
    ]


def test_many_candidates_rank_by_score_then_quality_latency_and_name():
    profiles = {f"p/m{i:02d}": seed_profile(0.5 + 0.03 * i, 500, 0.01) for i in range(10)}
    profiles["p/tie-slow"] = seed_profile(0.95, 400, 0.01)
    profiles["p/tie-fast"] = seed_profile(0.95, 300, 0.01)
    selection = ModelRouter(profiles=profiles, strategy=RoutingStrategy.QUALITY).select_model(PROMPT)
    assert selection.model == "p/tie-fast" and selection.candidates == 12
    assert [a.model for a in selection.alternatives] == ["p/tie-slow", "p/m09", "p/m08"]
    assert "lost the tie-break" in selection.alternatives[0].reason
    assert "each term relative to the best of" in selection.reasoning


@pytest.mark.parametrize(
    ("constraints", "binding"),
    [
        (ModelConstraints(max_cost_usd=1e-9), "max_cost_usd"),
        (ModelConstraints(max_latency_ms=10), "max_latency_ms"),
        (ModelConstraints(min_quality=0.99), "min_quality"),
        (ModelConstraints(min_context_tokens=10**7), "min_context_tokens"),
        (ModelConstraints(min_quality=0.65, max_latency_ms=500), "max_latency_ms"),
    ],
)
def test_none_left_names_the_binding_constraint(trio, constraints, binding):
    with pytest.raises(NoModelsMeetConstraints) as err:
        ModelRouter(profiles=trio).select_model(PROMPT, constraints=constraints)
    assert err.value.constraint == binding
    assert binding in str(err.value)


def test_unprofiled_models_are_excluded_or_scored_with_a_prior_and_said_so(trio):
    router = ModelRouter(profiles=trio, strategy=RoutingStrategy.QUALITY)
    with pytest.raises(NoModelsMeetConstraints) as err:
        router.select_model(PROMPT, ["p/unknown"])
    assert err.value.constraint == "profile"
    selection = router.select_model(PROMPT, ["p/unknown", "p/cheap"])
    assert selection.model == "p/cheap" and selection.excluded == {"profile": 1}
    assert selection.alternatives[0].excluded_by == "profile"

    prior = TaskStats(quality_mean=0.9, quality_stderr=0.1, latency_p50_ms=300, latency_p95_ms=900)
    router = ModelRouter(
        profiles=trio, strategy=RoutingStrategy.QUALITY, unprofiled=UnprofiledPolicy.PRIOR, prior=prior
    )
    selection = router.select_model(PROMPT, [ModelConfig(provider="p", model="unknown"), "p/cheap"])
    assert selection.model == "p/unknown"
    assert selection.profile_source == ProfileSource.PRIOR
    assert any("prior" in note for note in selection.notes)


def test_per_task_statistics_are_used_once_there_are_enough():
    coding = stats(quality_mean=0.95, sample_count=10)
    profiles = {
        "p/coder": ModelProfile(overall=stats(quality_mean=0.7), per_task={TaskType.CODING: coding}),
        "p/generalist": ModelProfile(overall=stats(quality_mean=0.8)),
    }
    router = ModelRouter(profiles=profiles, strategy=RoutingStrategy.QUALITY)
    selection = router.select_model(PROMPT)
    assert selection.task_type == TaskType.CODING and selection.model == "p/coder" and selection.per_task_profile
    assert router.select_model("Summarize this article").model == "p/generalist"
    assert router.select_model(PROMPT, task_type=TaskType.CREATIVE).model == "p/generalist"
    few = ModelRouter(profiles=profiles, strategy=RoutingStrategy.QUALITY, min_task_samples=50)
    assert few.select_model(PROMPT).model == "p/generalist"


def test_ties_are_deterministic():
    profiles = {f"p/m{i}": seed_profile(0.8, 500, 0.01) for i in (3, 1, 2)}
    assert ModelRouter(profiles=profiles).select_model(PROMPT).model == "p/m1"


def test_fresh_install_routes_on_declared_simulated_models(tmp_path):
    router = ModelRouter(open_store(tmp_path / "profiles.json"))
    selection = router.select_model(
        PROMPT,
        constraints=ModelConstraints(max_cost_usd=0.01, max_latency_ms=2000, min_quality=0.8),
    )
    assert selection.model.startswith("sim/")
    assert selection.profile_source == ProfileSource.DECLARED
    assert any("declared characteristics" in note for note in selection.notes)
    assert selection.task_type == TaskType.CODING
    assert 1 <= len(selection.alternatives) <= 3
    assert selection.quality_interval[0] <= selection.expected_quality <= selection.quality_interval[1]
    assert selection.model_dump_json()  # the CLI's --json output
