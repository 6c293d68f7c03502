"""Learning model profiles from benchmark results, and the built-in simulated models' initial profiles.

Every statistic is an exponential moving average whose first observation initialises it (a new model is judged on
its first result, not dragged up from 0). Until ``1 / weight`` results have been seen the update weight is
``1 / n``, a plain running mean, so the first result does not outweigh the next ten; after that it is
``weight`` (``profile_update_weight``), so profiles follow models that change; a weight of 0 keeps the running
mean for ever. For an observation ``x``::

    w     = max(weight, 1 / n)                       n counts this observation
    mean += w * (x - mean)
    var   = (1 - w) * (var + w * (x - mean_old)^2)   exact population variance while w = 1 / n
    se    = sqrt(max(var, MIN_VAR) / n_eff)          n_eff = min(n, (2 - weight) / weight), the EMA's memory

Latency is treated as log-normal: the EMA runs on ``ln(latency)``, and p50 = exp(mu), p95 = exp(mu + 1.645 sigma).
A failed result is not a quality observation; it only counts in ``failure_count``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from llmbench.errors import ConfigError
from llmbench.router.classifier import classify_task
from llmbench.router.store import ProfileStore
from llmbench.router.types import ModelProfile, ProfileSource, TaskStats
from llmbench.types import DatasetItem, ModelResult, Price, SimSpec, TaskType

__all__ = [
    "DEFAULT_PROFILE_UPDATE_WEIGHT",
    "Observation",
    "apply_observations",
    "declared_profile",
    "initial_profiles",
    "load_profiles",
    "observations_from_results",
    "strengths",
    "update_profiles",
]

DEFAULT_PROFILE_UPDATE_WEIGHT = 0.1
#: Floor of the per-item quality variance in the standard error, so one result never claims certainty.
MIN_VAR = 0.01
#: Declared (not measured) quality is trusted to about ±0.08 (one standard error of 0.05).
DECLARED_STDERR = 0.05
#: Typical answer length of a simulated model, in tokens.
SIM_OUTPUT_TOKENS = 150
#: Share of input tokens in a typical request, to blend input and output prices into one per-1k figure.
INPUT_SHARE = 0.4
_Z95 = 1.645
# Strength: per-task mean above the overall mean by this much at least, with z >= _Z95 and enough results.
_STRENGTH_MIN_GAIN = 0.02
_STRENGTH_MIN_SAMPLES = 3


class Observation(NamedTuple):
    task: TaskType
    quality: float | None  # None: the call failed
    latency_ms: float | None
    output_tokens: int | None
    cost_per_1k: float | None


def _now() -> datetime:
    return datetime.now(UTC)


def blended_cost_per_1k(price: Price, input_share: float = INPUT_SHARE) -> float:
    """USD per 1000 tokens of a typical request mixing input and output tokens."""
    per_mtok = input_share * price.input_per_mtok + (1 - input_share) * price.output_per_mtok
    return per_mtok / 1000


def declared_profile(name: str, spec: SimSpec, price: Price | None) -> ModelProfile:
    """A simulated model's initial profile, from its declared characteristics (source ``declared``)."""
    stats = TaskStats(
        quality_mean=spec.quality,
        quality_stderr=DECLARED_STDERR,
        latency_p50_ms=spec.latency_ms,
        # Jitter is uniform within ±jitter, so 95% of calls are below latency * (1 + 0.9 jitter).
        latency_p95_ms=spec.latency_ms * (1 + 0.9 * spec.jitter),
        output_tokens=SIM_OUTPUT_TOKENS,
        cost_per_1k_tokens=blended_cost_per_1k(price) if price is not None else None,
    )
    return ModelProfile(
        model=f"sim/{name}",
        context_limit=spec.context_limit,
        overall=stats,
        price=price,
        source=ProfileSource.DECLARED,
    )


def initial_profiles() -> dict[str, ModelProfile]:
    """Declared profiles of the built-in simulated models, so routing works on a fresh install."""
    from llmbench.providers.sim import SIM_CATALOGUE, SIM_PRICES

    return {f"sim/{n}": declared_profile(n, spec, SIM_PRICES.get(n)) for n, spec in SIM_CATALOGUE.items()}


def load_profiles(store: ProfileStore | None, include_declared: bool = True) -> dict[str, ModelProfile]:
    """Learned profiles from ``store`` over the simulated models' declared ones (what ``profiles show`` lists)."""
    profiles = initial_profiles() if include_declared else {}
    if store is not None:
        profiles.update(store.load())
    return dict(sorted(profiles.items()))


def _ema(mean: float | None, var: float, x: float, w: float) -> tuple[float, float]:
    if mean is None:
        return x, 0.0
    diff = x - mean
    return mean + w * diff, (1 - w) * (var + w * diff * diff)


def _observe(stats: TaskStats, obs: Observation, weight: float, now: datetime) -> TaskStats:
    if obs.quality is None:
        return stats.model_copy(update={"failure_count": stats.failure_count + 1, "last_updated": now})
    fresh = stats.sample_count == 0  # declared values are replaced by the first measurement
    n = stats.sample_count + 1
    w = max(weight, 1.0 / n)
    mean, var = _ema(None if fresh else stats.quality_mean, stats.quality_var, obs.quality, w)
    n_eff = min(n, (2 - weight) / weight) if weight > 0 else n
    update: dict[str, object] = {
        "quality_mean": min(1.0, max(0.0, mean)),
        "quality_var": var,
        "quality_stderr": math.sqrt(max(var, MIN_VAR) / n_eff),
        "sample_count": n,
        "last_updated": now,
    }
    if obs.latency_ms is not None and obs.latency_ms > 0:
        mu = sigma2 = None
        if not fresh and stats.latency_p50_ms and stats.latency_p95_ms:
            mu = math.log(stats.latency_p50_ms)
            sigma2 = (max(0.0, math.log(stats.latency_p95_ms) - mu) / _Z95) ** 2
        mu, sigma2 = _ema(mu, sigma2 or 0.0, math.log(obs.latency_ms), w)
        update["latency_p50_ms"] = math.exp(mu)
        update["latency_p95_ms"] = math.exp(mu + _Z95 * math.sqrt(sigma2))
    if obs.output_tokens is not None:
        prior = None if fresh else stats.output_tokens
        update["output_tokens"] = _ema(prior, 0.0, float(obs.output_tokens), w)[0]
    if obs.cost_per_1k is not None:
        prior = None if fresh else stats.cost_per_1k_tokens
        update["cost_per_1k_tokens"] = max(0.0, _ema(prior, 0.0, obs.cost_per_1k, w)[0])
    return stats.model_copy(update=update)


def strengths(profile: ModelProfile) -> list[TaskType]:
    """Task types where the model is significantly better than its own overall mean (one-sided z >= 1.645)."""
    overall = profile.overall.quality_mean
    if overall is None:
        return []
    found = []
    for task, stats in sorted(profile.per_task.items()):
        if stats.quality_mean is None or stats.sample_count < _STRENGTH_MIN_SAMPLES:
            continue
        gain = stats.quality_mean - overall
        se = stats.quality_stderr or math.sqrt(MIN_VAR)
        if gain >= _STRENGTH_MIN_GAIN and gain / se >= _Z95:
            found.append(task)
    return found


def apply_observations(
    profile: ModelProfile | None, model: str, observations: Iterable[Observation], weight: float
) -> ModelProfile:
    """A new profile: ``profile`` (or an empty one) updated with ``observations`` in order."""
    if not 0 <= weight <= 1:
        raise ConfigError(f"profile_update_weight must be within [0, 1] (0: a plain running mean), got {weight}")
    base = profile if profile is not None else ModelProfile(model=model)
    overall = base.overall
    per_task = dict(base.per_task)
    now = _now()
    for obs in observations:
        overall = _observe(overall, obs, weight, now)
        per_task[obs.task] = _observe(per_task.get(obs.task, TaskStats()), obs, weight, now)
    new = base.model_copy(update={"model": model, "overall": overall, "per_task": per_task})
    if new.overall.sample_count:
        new.source = ProfileSource.LEARNED
    new.strengths = strengths(new)
    new.sync()
    return new


def _default_quality(result: ModelResult) -> float:
    from llmbench.ranking import item_quality  # written concurrently; imported when first needed

    return float(item_quality(result.scores))


def observations_from_results(
    results: Iterable[ModelResult],
    items: Mapping[str, DatasetItem],
    quality_of: Callable[[ModelResult], float] | None = None,
) -> dict[str, list[Observation]]:
    """Results grouped by model as observations; the task type is the result's, the item's, or classified."""
    quality_fn = quality_of or _default_quality
    grouped: dict[str, list[Observation]] = {}
    for result in results:
        item = items.get(result.item_id)
        task = result.task_type or (item.task_type if item else None)
        if task is None:
            task = classify_task(item.prompt) if item else TaskType.GENERAL
        if not result.success:
            obs = Observation(task, None, None, None, None)
        else:
            usage = result.usage
            cost = None
            if result.cost_usd is not None and result.price_known and usage is not None and usage.total_tokens:
                cost = result.cost_usd / usage.total_tokens * 1000
            quality = min(1.0, max(0.0, float(quality_fn(result))))
            obs = Observation(task, quality, result.latency_ms, usage.output_tokens if usage else None, cost)
        grouped.setdefault(result.model, []).append(obs)
    return grouped


def update_profiles(
    store: ProfileStore,
    results: list[ModelResult],
    items: Mapping[str, DatasetItem],
    weight: float = DEFAULT_PROFILE_UPDATE_WEIGHT,
    quality_of: Callable[[ModelResult], float] | None = None,
) -> dict[str, ModelProfile]:
    """Fold benchmark results into the store's profiles in one locked read-modify-write; returns the new ones.

    A simulated model seen for the first time starts from its declared profile (keeping its context limit and
    price); its first measurement then replaces the declared figures.
    """
    grouped = observations_from_results(results, items, quality_of)
    if not grouped:
        return {}
    declared = initial_profiles()

    def fold(model: str, current: ModelProfile | None) -> ModelProfile:
        return apply_observations(current or declared.get(model), model, grouped[model], weight)

    return store.update(sorted(grouped), fold)
