import math

import pytest

from llmbench.errors import ConfigError
from llmbench.router import (
    JsonProfileStore,
    ModelConstraints,
    ModelProfile,
    ModelRouter,
    Observation,
    ProfileSource,
    TaskStats,
    apply_observations,
    initial_profiles,
    strengths,
    update_profiles,
)
from llmbench.types import DatasetItem, ModelResult, TaskType, Usage

T = TaskType


def obs(quality: float | None, task: TaskType = T.GENERAL, latency: float | None = 100.0) -> Observation:
    return Observation(task, quality, latency, 50, 0.002)


def result(model: str, item_id: str, quality: float, **kw) -> ModelResult:
    defaults = dict(success=True, latency_ms=200.0, usage=Usage(input_tokens=100, output_tokens=300))
    defaults.update(cost_usd=0.004, price_known=True, scores={"q": quality})
    defaults.update(kw)
    return ModelResult(model=model, item_id=item_id, **defaults)


def quality(r: ModelResult) -> float:
    return r.scores["q"]


def test_first_observation_initialises_then_running_mean_then_ema():
    p = apply_observations(None, "p/m", [obs(0.9)], weight=0.1)
    assert p.quality_score == pytest.approx(0.9)  # not 0.09, as an EMA started at 0 would give
    assert p.sample_count == 1 and p.overall.quality_stderr > 0
    p = apply_observations(p, "p/m", [obs(0.5)], weight=0.1)
    assert p.quality_score == pytest.approx(0.7)  # running mean while n <= 1/weight
    assert p.overall.quality_var == pytest.approx(0.04)
    p = apply_observations(p, "p/m", [obs(0.7)] * 8, weight=0.1)
    assert p.sample_count == 10 and p.quality_score == pytest.approx(0.7)
    p = apply_observations(p, "p/m", [obs(1.0)], weight=0.1)
    assert p.quality_score == pytest.approx(0.7 + 0.1 * 0.3)  # EMA from here on


def test_weight_zero_is_a_running_mean_and_out_of_range_is_an_error():
    p = apply_observations(None, "p/m", [obs(x) for x in (0.2, 0.4, 0.6, 0.8)], weight=0.0)
    assert p.quality_score == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="profile_update_weight"):
        apply_observations(None, "p/m", [obs(0.5)], weight=1.5)


def test_latency_quantiles_and_cost_output_tokens():
    latencies = [100, 120, 90, 300, 110, 105, 95, 130]
    p = apply_observations(None, "p/m", [obs(0.8, latency=x) for x in latencies], weight=0.1)
    o = p.overall
    geo = math.exp(sum(math.log(x) for x in latencies) / len(latencies))
    assert o.latency_p50_ms == pytest.approx(geo)
    assert o.latency_p95_ms > o.latency_p50_ms
    assert o.output_tokens == pytest.approx(50) and o.cost_per_1k_tokens == pytest.approx(0.002)
    assert p.avg_latency_ms == o.latency_p50_ms and p.cost_per_1k_tokens == o.cost_per_1k_tokens


def test_failures_are_not_quality_observations():
    p = apply_observations(None, "p/m", [obs(0.8), obs(None), obs(None)], weight=0.1)
    assert p.sample_count == 1 and p.overall.failure_count == 2 and p.quality_score == pytest.approx(0.8)


def test_strengths_are_significantly_better_task_types():
    observations = [obs(0.95 + 0.01 * (i % 2), T.CODING) for i in range(10)]
    observations += [obs(0.5 + 0.02 * (i % 3), T.CREATIVE) for i in range(10)]
    observations += [obs(0.7, T.GENERAL), obs(0.75, T.GENERAL)]  # too few to count
    p = apply_observations(None, "p/m", observations, weight=0.1)
    assert p.strengths == [T.CODING] == strengths(p)


def test_update_profiles_resolves_task_types_and_persists(tmp_path):
    store = JsonProfileStore(tmp_path / "profiles.json")
    items = {
        "a": DatasetItem(id="a", prompt="Write a poem about rain"),  # classified: creative
        "b": DatasetItem(id="b", prompt="Hello", task_type=T.TRANSLATION),  # the item says
    }
    results = [
        result("sim/oracle-xl", "a", 0.9),
        result("sim/oracle-xl", "b", 0.7),
        result("sim/oracle-xl", "a", 0.8, task_type=T.CODING),  # the result says
        result("other/new", "a", 0.0, success=False, error="boom", cost_usd=None, usage=None),
    ]
    new = update_profiles(store, results, items, weight=0.1, quality_of=quality)
    oracle = new["sim/oracle-xl"]
    assert set(oracle.per_task) == {T.CREATIVE, T.TRANSLATION, T.CODING}
    assert oracle.sample_count == 3 and oracle.quality_score == pytest.approx(0.8)
    assert oracle.source == ProfileSource.LEARNED
    assert oracle.context_limit == initial_profiles()["sim/oracle-xl"].context_limit  # kept from declared
    assert oracle.overall.cost_per_1k_tokens == pytest.approx(0.004 / 400 * 1000)
    assert new["other/new"].sample_count == 0 and new["other/new"].overall.failure_count == 1
    loaded = store.load()
    assert loaded["sim/oracle-xl"] == oracle
    # A model with only failures has no quality yet: the router treats it as unprofiled.
    router = ModelRouter(store)
    assert router.select_model("Write a poem", ["sim/oracle-xl", "other/new"]).excluded == {"profile": 1}


def test_default_quality_is_the_rankings_item_quality(tmp_path):
    ranking = pytest.importorskip("llmbench.ranking")
    store = JsonProfileStore(tmp_path / "profiles.json")
    r = result("p/m", "x", 0.0, scores={"faithfulness": 0.8, "relevance": 0.6, "coherence": 1.0})
    new = update_profiles(store, [r], {}, weight=0.1)
    assert new["p/m"].quality_score == pytest.approx(ranking.item_quality(r.scores))


def test_learning_makes_a_new_model_pass_min_quality_quickly():
    profile = None
    for _ in range(5):
        profile = apply_observations(profile, "p/new", [obs(0.93, T.CODING), obs(0.95, T.CODING)], weight=0.1)
    router = ModelRouter(profiles={"p/new": profile})
    assert router.select_model("Fix this bug", constraints=ModelConstraints(min_quality=0.8)).model == "p/new"


def test_seed_form_round_trips():
    seed = {
        "quality_score": 0.8,
        "avg_latency_ms": 500,
        "cost_per_1k_tokens": 0.01,
        "context_limit": 8000,
        "strengths": ["coding"],
        "sample_count": 4,
        "last_updated": "2024-01-01T00:00:00Z",
    }
    p = ModelProfile.model_validate(seed)
    assert p.overall == TaskStats(
        quality_mean=0.8,
        latency_p50_ms=500,
        latency_p95_ms=500,
        cost_per_1k_tokens=0.01,
        sample_count=4,
        last_updated=p.last_updated,
    )
    dumped = p.model_dump(mode="json")
    assert {k: dumped[k] for k in seed} == {**seed, "last_updated": "2024-01-01T00:00:00Z"}
