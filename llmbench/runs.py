"""What a user asks a run to do (flow parameters: the Prefect UI renders these as forms) and what it resolves to.

Requests name models by reference (``sim:oracle-xl`` or a ``[models.<name>]`` entry), never carry keys:
endpoints and key variables are resolved from ``llmbench.toml`` where the run executes.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator

from llmbench.config import CacheConfig, EvaluationConfig, LLMBenchConfig, OrchestrationConfig
from llmbench.errors import ConfigError, NoModels
from llmbench.evaluators import EVALUATORS, get_evaluator
from llmbench.execution import RetryPolicy
from llmbench.preflight import resolve_judge, resolve_models
from llmbench.store.settings import StoreSettings
from llmbench.types import DEFAULT_METRICS, ModelConfig, RankingOptions, RankingWeights, StatisticsConfig

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MODELS",
    "DEFAULT_TIMEOUT_SECONDS",
    "BenchmarkRequest",
    "CompareRequest",
    "RunOptions",
    "RunSettings",
    "dataset_label",
    "resolve_settings",
]

DEFAULT_MODELS: list[str] = ["sim:oracle-xl", "sim:balanced-m", "sim:swift-s", "sim:flaky-m", "sim:mystery-x"]


_LABEL_PROMPT_CHARS = 40
_ORCHESTRATION = OrchestrationConfig.model_fields
#: Built-in defaults the forms show; llmbench.toml's value is used instead when a request leaves the field out.
DEFAULT_CONCURRENCY: int = _ORCHESTRATION["concurrency_limit"].default
DEFAULT_TIMEOUT_SECONDS: float = _ORCHESTRATION["comparison_timeout_seconds"].default


class RunOptions(BaseModel):
    """Options shared by comparisons and benchmarks.

    Each field has the default that applies without an llmbench.toml, so a Prefect form shows the value a run
    will use. A field left out of a request (a CLI option not given, a deployment parameter not set, or null)
    takes its value from llmbench.toml instead; a value given, in a form too, wins over the file.
    """

    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(
        default=list(DEFAULT_MODELS),
        title="Models",
        description="Models to compare: provider:model (sim:oracle-xl, openai:gpt-4o-mini) or a [models.<name>] "
        "entry of llmbench.toml",
    )
    # No metric would score every answer 0 and teach the router profiles that.
    metrics: list[str] = Field(
        default=list(DEFAULT_METRICS),
        min_length=1,
        title="Metrics",
        description="Evaluators that score each answer (`llmbench metrics` lists them); a metric that cannot run "
        "on an item is left out of its quality; left out: these, plus the judge metrics and rubrics when a judge "
        "is set",
    )
    judge: str = Field(
        default="",
        title="Judge model",
        description="Model that scores answers for the judge metrics (provider:model or a [models.<name>] entry); "
        "empty: [evaluation] judge, if any",
    )
    weights: RankingWeights = Field(
        default=RankingWeights(),
        title="Ranking weights",
        description="Weights of quality, performance and cost in the overall score (sum 1); left out: [ranking]",
    )
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY,
        ge=1,
        le=1000,
        title="Concurrency",
        description="Model calls in flight at once; left out: [orchestration] concurrency_limit",
    )
    timeout_seconds: float = Field(
        default=DEFAULT_TIMEOUT_SECONDS,
        ge=1,
        le=3600,
        title="Timeout (seconds)",
        description="Overall deadline: what finished is kept and the run is marked incomplete; left out: "
        "[orchestration] comparison_timeout_seconds",
    )
    stats: bool = Field(
        default=StatisticsConfig.model_fields["enabled"].default,
        validation_alias=AliasChoices("stats", "statistical_tests"),
        title="Statistics",
        description="Bootstrap intervals, corrected pairwise tests and tie groups (needs at least 10 items); left "
        "out: [statistics] enabled",
    )
    cache: bool = Field(
        default=CacheConfig.model_fields["enabled"].default,
        title="Reuse cached answers",
        description="Answer an identical request from the response cache instead of calling the model again; "
        "left out: [cache] enabled",
    )
    resume: str = Field(
        default="",
        title="Resume run",
        description="Result-store run id to resume; empty resumes the unfinished run of the same benchmark, if any",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        """A null value means "not given": the field then takes llmbench.toml's value."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data

    def given(self, name: str) -> Any:
        """The field's value when the request set it, else None (llmbench.toml decides)."""
        return getattr(self, name) if name in self.model_fields_set else None


class _Prompt(BaseModel):
    """The prompt of a comparison: first in its form, being the only field without a default."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, pattern=r"\S", title="Prompt", description="Sent to every model")
    # Empty rather than None: a form shows a text box, not a None toggle; empty means the item has none.
    context: str = Field(
        default="",
        title="Context",
        description="Text the answer should rely on (faithfulness is checked against it); empty: none",
    )
    reference: str = Field(
        default="",
        title="Reference answer",
        description="A correct answer the correctness metrics compare with; empty: none",
    )


def _models_text(models: list[str]) -> str:
    return f"{len(models)} model{'s' if len(models) != 1 else ''}"


class CompareRequest(RunOptions, _Prompt):
    """One prompt, many models."""

    model_config = ConfigDict(extra="forbid", title="Comparison")

    def label(self) -> str:
        """A name for the run, known before it starts: "compare · 3 models · “What does …”"."""
        prompt = " ".join(self.prompt.split())
        prompt = prompt if len(prompt) <= _LABEL_PROMPT_CHARS else prompt[: _LABEL_PROMPT_CHARS - 1] + "…"
        return f"compare · {_models_text(self.models)} · “{prompt}”"


class BenchmarkRequest(RunOptions):
    """A dataset, many models."""

    model_config = ConfigDict(extra="forbid", title="Benchmark")

    dataset: str = Field(
        default="examples/datasets/qa_small.jsonl",
        title="Dataset",
        description="Path of a .jsonl, .json or .yaml dataset, relative to the working directory of the run",
    )
    limit: int | None = Field(
        default=None, ge=1, title="Item limit", description="Use only the first N items; empty uses them all"
    )
    update_profiles: bool = Field(
        default=_ORCHESTRATION["auto_update_profiles"].default,
        title="Update router profiles",
        description="Fold this run into the router's model profiles (complete runs only); left out: "
        "[orchestration] auto_update_profiles",
    )

    def label(self) -> str:
        """A name for the run, known before it starts: "bench qa_small · 5 models"."""
        limit = f" · first {self.limit} items" if self.limit else ""
        return f"bench {dataset_label(self.dataset)} · {_models_text(self.models)}{limit}"


def dataset_label(path: str) -> str:
    """A dataset's short name from its path, before it is read: ``examples/datasets/qa_small.jsonl`` → qa_small."""
    return PurePath(path).stem or path


class RunSettings(BaseModel):
    """A request resolved against the config: everything a pipeline needs, nothing secret."""

    models: list[ModelConfig]
    metrics: list[str]
    judge: ModelConfig | None = None
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
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
    judge = resolve_judge(request.given("judge") or None, config)
    # The Prefect form always sends its default list: the defaults sent back count as left out, so a judge set in
    # llmbench.toml adds its metrics to a deployment run as it does to a CLI run.
    given = request.given("metrics")
    metrics = given if given and given != list(DEFAULT_METRICS) else _default_metrics(config.evaluation, judge)
    _check_metrics(metrics, config.evaluation, judge)
    if request.given("judge") and metrics is given and all(m in EVALUATORS for m in metrics):
        # --judge with a metric list that has no judge metric would pay for nothing and score nothing.
        raise ConfigError(
            f"--judge {request.judge!r}: none of the chosen metrics uses a judge; add judge_correctness, "
            "judge_faithfulness, judge_relevance or a rubric:<name> to --metrics, or leave --metrics out"
        )
    orchestration = config.orchestration
    stats, cache = request.given("stats"), request.given("cache")
    switch = stats if stats is not None else orchestration.enable_statistical_tests
    statistics = config.statistics
    if switch is not None:
        statistics = statistics.model_copy(update={"enabled": switch})
    return RunSettings(
        models=models,
        metrics=list(metrics),
        judge=judge,
        evaluation=config.evaluation,
        weights=request.given("weights") or config.ranking.weights,
        ranking=config.ranking.options,
        concurrency=request.given("concurrency") or orchestration.concurrency_limit,
        max_parallel_models=orchestration.max_parallel_models,
        timeout_seconds=request.given("timeout_seconds") or orchestration.comparison_timeout_seconds,
        statistics=statistics,
        policy=config.retry_policy(),
        provider_limits=dict(config.prefect.provider_concurrency),
        store=StoreSettings(
            url=SecretStr(config.store.url) if config.store.url else None,
            persist=config.store.enabled,
            resume=request.resume or None,
            cache=config.cache.enabled if cache is None else cache,
            cache_ttl_hours=config.cache.ttl_hours,
        ),
        slot_wait_seconds=config.prefect.slot_wait_seconds,
        slot_lease_seconds=config.prefect.slot_lease_seconds,
    )


def _default_metrics(evaluation: EvaluationConfig, judge: ModelConfig | None) -> list[str]:
    """DEFAULT_METRICS, plus the judge metrics and rubrics when there is a judge (the judge package is imported
    only then: ~25 ms that an offline run need not pay)."""
    if judge is None:
        return list(DEFAULT_METRICS)
    from llmbench.evaluators.judge.factory import default_metrics

    return default_metrics(evaluation, has_judge=True)


def _check_metrics(metrics: list[str], evaluation: EvaluationConfig, judge: ModelConfig | None) -> None:
    """Every metric can be built: known, and a judge metric has a judge and its rubric; checked before any call."""
    offline = [m for m in metrics if m in EVALUATORS]
    if len(offline) == len(metrics):
        return
    from llmbench.evaluators.judge.names import RUBRIC_PREFIX, is_judge_metric, needs_judge_message

    for metric in metrics:
        if not is_judge_metric(metric):
            get_evaluator(metric)  # unknown: one line listing the known metrics
        elif judge is None:
            raise ConfigError(needs_judge_message(metric))
        elif metric.startswith(RUBRIC_PREFIX) and metric.removeprefix(RUBRIC_PREFIX) not in evaluation.rubrics:
            known = ", ".join(f"{RUBRIC_PREFIX}{r}" for r in sorted(evaluation.rubrics)) or "none configured"
            raise ConfigError(
                f"metric {metric!r}: no [evaluation.rubrics.{metric.removeprefix(RUBRIC_PREFIX)}] table with its "
                f"criteria (rubrics: {known})"
            )
