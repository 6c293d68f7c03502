"""What a user asks a run to do (flow parameters: the Prefect UI renders these as forms) and what it resolves to.

Requests name models by reference (``sim:oracle-xl`` or a ``[models.<name>]`` entry), never carry keys:
endpoints and key variables are resolved from ``llmbench.toml`` where the run executes.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr

from llmbench.config import LLMBenchConfig
from llmbench.errors import NoModels
from llmbench.evaluators import get_evaluator
from llmbench.execution import RetryPolicy
from llmbench.preflight import resolve_models
from llmbench.store.settings import StoreSettings
from llmbench.types import DEFAULT_METRICS, ModelConfig, RankingOptions, RankingWeights, StatisticsConfig

__all__ = ["DEFAULT_MODELS", "BenchmarkRequest", "CompareRequest", "RunSettings", "resolve_settings"]

DEFAULT_MODELS: list[str] = ["sim:oracle-xl", "sim:balanced-m", "sim:swift-s", "sim:flaky-m", "sim:mystery-x"]


class RunOptions(BaseModel):
    """Options shared by comparisons and benchmarks; empty ones take the value from llmbench.toml."""

    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=lambda: list(DEFAULT_MODELS), description="provider:model or names")
    # No metric would score every answer 0 and teach the router profiles that.
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), min_length=1)
    weights: RankingWeights | None = Field(default=None, description="Ranking weights; empty uses [ranking]")
    concurrency: int | None = Field(default=None, ge=1, le=1000, description="Model calls in flight at once")
    timeout_seconds: float | None = Field(default=None, ge=1, le=3600, description="Overall deadline")
    stats: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("stats", "statistical_tests"),
        description="Intervals, corrected tests and tie groups (--stats/--no-stats); empty uses [statistics]",
    )
    resume: str | None = Field(
        default=None, description="Run id to resume; empty resumes the unfinished run of the same benchmark, if any"
    )
    cache: bool | None = Field(default=None, description="Reuse cached answers; empty uses [cache] enabled")


class CompareRequest(RunOptions):
    """One prompt, many models."""

    prompt: str = Field(min_length=1, pattern=r"\S", description="Sent to every model")
    context: str | None = None
    reference: str | None = None


class BenchmarkRequest(RunOptions):
    """A dataset, many models."""

    dataset: str = Field(default="examples/datasets/qa_small.jsonl", description="Path of a .jsonl/.json/.yaml file")
    limit: int | None = Field(default=None, ge=1, description="Use only the first N items")
    update_profiles: bool | None = Field(default=None, description="Empty uses auto_update_profiles")


class RunSettings(BaseModel):
    """A request resolved against the config: everything a pipeline needs, nothing secret."""

    models: list[ModelConfig]
    metrics: list[str]
    weights: RankingWeights
    ranking: RankingOptions = Field(default_factory=RankingOptions)
    concurrency: int
    max_parallel_models: int
    timeout_seconds: float
    statistics: StatisticsConfig = Field(default_factory=StatisticsConfig)
    policy: RetryPolicy
    provider_limits: dict[str, int]
    store: StoreSettings = Field(default_factory=StoreSettings)
    slot_wait_seconds: float = 300
    slot_lease_seconds: float = 60


def resolve_settings(request: RunOptions, config: LLMBenchConfig) -> RunSettings:
    """The request against the config; unknown models, providers or metrics and unset keys fail here, before any
    call is made (in the CLI before the Prefect server starts, on a worker before the flow's first call)."""
    models = resolve_models(request.models, config)
    if not models:
        raise NoModels()
    for metric in request.metrics:
        get_evaluator(metric)  # an unknown metric fails here, before any model is called
    orchestration = config.orchestration
    switch = request.stats if request.stats is not None else orchestration.enable_statistical_tests
    statistics = config.statistics
    if switch is not None:
        statistics = statistics.model_copy(update={"enabled": switch})
    return RunSettings(
        models=models,
        metrics=list(request.metrics),
        weights=request.weights or config.ranking.weights,
        ranking=config.ranking.options,
        concurrency=request.concurrency or orchestration.concurrency_limit,
        max_parallel_models=orchestration.max_parallel_models,
        timeout_seconds=request.timeout_seconds or orchestration.comparison_timeout_seconds,
        statistics=statistics,
        policy=config.retry_policy(),
        provider_limits=dict(config.prefect.provider_concurrency),
        store=StoreSettings(
            url=SecretStr(config.store.url) if config.store.url else None,
            persist=config.store.enabled,
            resume=request.resume,
            cache=config.cache.enabled if request.cache is None else request.cache,
            cache_ttl_hours=config.cache.ttl_hours,
        ),
        slot_wait_seconds=config.prefect.slot_wait_seconds,
        slot_lease_seconds=config.prefect.slot_lease_seconds,
    )
