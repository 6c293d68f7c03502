"""The contract of llmbench: every value that crosses a layer is one of these pydantic models.

Field names follow the system llmbench replaces (``rankings``, ``winner``, ``overall_score``,
``component_scores``...) so its JSON reads the same for existing users.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from llmbench.errors import InvalidWeights

__all__ = [
    "DEFAULT_METRICS",
    "ChatMessage",
    "ComparativeAnalysis",
    "ComparisonConfig",
    "ComparisonResult",
    "Completion",
    "ComponentScores",
    "DatasetItem",
    "EvalScore",
    "Finding",
    "GenerateRequest",
    "ModelConfig",
    "ModelRanking",
    "ModelResult",
    "Price",
    "RankingWeights",
    "Recommendation",
    "RoutingStrategy",
    "RunLinks",
    "SignificanceTest",
    "SimSpec",
    "TaskType",
    "Usage",
    "check_weights",
]

DEFAULT_METRICS: tuple[str, ...] = ("faithfulness", "relevance", "coherence")


def _now() -> datetime:
    return datetime.now(UTC)


class TaskType(StrEnum):
    """What a prompt asks for; the router learns model quality per task type."""

    REASONING = "reasoning"
    CODING = "coding"
    CREATIVE = "creative"
    SUMMARIZATION = "summarization"
    TRANSLATION = "translation"
    CLASSIFICATION = "classification"
    QUESTION_ANSWERING = "question_answering"
    GENERAL = "general"


class RoutingStrategy(StrEnum):
    """How the router trades quality, speed and cost (see llmbench.router for the formulas)."""

    QUALITY = "quality"
    COST_OPTIMIZED = "cost_optimized"
    LATENCY = "latency"
    BALANCED = "balanced"


def check_weights(values: dict[str, float], what: str) -> None:
    """Weights are valid when none is negative (or NaN) and they sum to 1 within 0.01."""
    negative = [k for k, v in values.items() if not v >= 0]
    if negative:
        raise InvalidWeights(f"{what} weights must not be negative: {', '.join(negative)}")
    total = sum(values.values())
    if abs(total - 1.0) > 0.01:
        detail = ", ".join(f"{k}={v}" for k, v in values.items())
        raise InvalidWeights(f"{what} weights must sum to 1 (got {total:.3f} from {detail})")


class Price(BaseModel):
    """USD per million tokens. A price of 0 is a real, declared price (local models), never a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)
    cached_input_per_mtok: float | None = Field(default=None, ge=0)


class SimSpec(BaseModel):
    """How a simulated model behaves: all of it deterministic for a given seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quality: float = Field(default=0.7, ge=0, le=1, description="Chance of a faithful, on-topic answer")
    latency_ms: float = Field(default=200, ge=0, description="Mean latency, really awaited")
    jitter: float = Field(default=0.2, ge=0, le=1, description="Latency varies by up to this share")
    failure_rate: float = Field(default=0.0, ge=0, le=1, description="Share of calls that fail with a 503")
    context_limit: int = Field(default=32_000, ge=1)
    weak_styles: tuple[str, ...] = Field(default=("wrong", "off_topic"), description="wrong|off_topic|repetitive")
    seed: int = 0
    description: str = ""


class ModelConfig(BaseModel):
    """One model to call: which provider, which model, with which sampling parameters and endpoint."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=1000, ge=1)
    top_p: float = Field(default=1.0, gt=0, le=1)
    stop: list[str] = Field(default_factory=list)
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, description="Name of the environment variable holding the key")
    api_key_block: str | None = Field(default=None, description="Name of a Prefect Secret block holding the key")
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    price: Price | None = None
    headers: dict[str, str] = Field(default_factory=dict, description="Extra HTTP headers (never put keys here)")
    stream: bool = False
    simulation: SimSpec | None = Field(default=None, description="Behaviour of a custom sim model")
    timeout_seconds: float | None = Field(default=None, gt=0, description="Per-call timeout; None uses the config")
    alias: str | None = Field(default=None, description="Name of the [models.<name>] entry this came from")

    @property
    def identifier(self) -> str:
        return f"{self.provider}/{self.model}"


class RankingWeights(BaseModel):
    """Weights of the three ranking components: none negative, summing to 1 within 0.01."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quality: float = 0.6
    performance: float = 0.2
    cost: float = 0.2

    @model_validator(mode="after")
    def _check(self) -> RankingWeights:
        check_weights({"quality": self.quality, "performance": self.performance, "cost": self.cost}, "ranking")
        return self


class ComparisonConfig(BaseModel):
    """What to compare and under which limits."""

    model_config = ConfigDict(extra="forbid")

    models: list[ModelConfig]
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    statistical_tests: bool = False
    timeout_seconds: float = Field(default=300, ge=1, le=3600, description="Overall deadline")
    model_timeout_seconds: float = Field(default=60, gt=0, description="Deadline of one model call")
    concurrency_limit: int = Field(default=10, ge=1, le=1000, description="Model calls in flight at once")
    weights: RankingWeights = Field(default_factory=RankingWeights)


class DatasetItem(BaseModel):
    """One prompt to send to every model, with what evaluators may check it against."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    context: str | None = None
    reference: str | None = None
    task_type: TaskType | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ChatMessage(BaseModel):
    role: str
    content: str


class GenerateRequest(BaseModel):
    """What a provider receives: messages plus the sampling parameters of its ModelConfig."""

    messages: list[ChatMessage]
    item: DatasetItem | None = Field(
        default=None, description="The item asked; only simulated models read it (they answer from its reference)"
    )


class Usage(BaseModel):
    """Token counts; ``estimated`` is true when the server reported none and we counted ourselves."""

    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cached_input_tokens: int = Field(default=0, ge=0)
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Completion(BaseModel):
    """A provider's answer to one request."""

    text: str
    usage: Usage
    latency_ms: float = Field(ge=0)
    ttft_ms: float | None = None
    finish_reason: str | None = None
    served_model: str | None = None
    simulated: bool = False
    timings: dict[str, float] = Field(default_factory=dict, description="Provider-reported timings, e.g. Ollama's")


class EvalScore(BaseModel):
    """One evaluator's verdict on one response: a score in [0, 1] and how it was reached."""

    name: str
    score: float = Field(ge=0, le=1)
    details: dict[str, Any] = Field(default_factory=dict)


class ModelResult(BaseModel):
    """One model's outcome on one item. A failed call stays here as a row with its error, never dropped."""

    model: str = Field(description="ModelConfig.identifier")
    item_id: str = "prompt"
    success: bool
    response: str | None = None
    error: str | None = None
    error_type: str | None = None
    attempts: int = 1
    latency_ms: float | None = None
    ttft_ms: float | None = None
    usage: Usage | None = None
    cost_usd: float | None = Field(default=None, description="None when the price is unknown, never 0 by default")
    price_known: bool = False
    scores: dict[str, float] = Field(default_factory=dict)
    score_details: dict[str, dict[str, Any]] = Field(default_factory=dict)
    evaluated: list[str] = Field(
        default_factory=list, description="Metrics already applied to this row, including those not applicable"
    )
    simulated: bool = False
    task_type: TaskType | None = None


class ComponentScores(BaseModel):
    quality: float
    performance: float
    cost_efficiency: float | None = Field(description="None when the cost of this model is unknown")


class ModelRanking(BaseModel):
    """A model's place in the ranking, with the figures behind it."""

    model: str
    rank: int
    overall_score: float
    component_scores: ComponentScores
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict, description="Mean of each evaluator's score")
    latency_ms: float | None = None
    latency_p95_ms: float | None = None
    cost_usd: float | None = Field(default=None, description="Mean cost per item; None when unknown")
    price_known: bool = True
    success_rate: float = 1.0
    n_items: int = 1
    n_failed: int = 0


class SignificanceTest(BaseModel):
    metric: str
    model_a: str
    model_b: str
    test: str
    statistic: float
    p_value: float
    significant: bool
    n: int


class Finding(BaseModel):
    category: str
    description: str
    models: list[str] = Field(default_factory=list)


class ComparativeAnalysis(BaseModel):
    """What a reader should take away, computed from the results (never a constant sentence)."""

    summary: str
    key_findings: list[Finding] = Field(default_factory=list)
    consensus_areas: list[str] = Field(default_factory=list)
    divergence_areas: list[str] = Field(default_factory=list)
    mean_agreement: float | None = Field(default=None, description="Mean pairwise similarity of answers")
    pairwise_quality: dict[str, dict[str, float]] = Field(default_factory=dict)
    significance_tests: list[SignificanceTest] = Field(default_factory=list)


class Recommendation(BaseModel):
    best_overall: str | None
    best_for_quality: str | None
    best_for_speed: str | None
    best_for_cost: str | None
    reasoning: dict[str, str] = Field(default_factory=dict)


class RunLinks(BaseModel):
    """Where a run was recorded, so it can be found again (printed by the CLI, part of its ``--json``)."""

    mlflow_run_id: str | None = None
    mlflow_tracking_uri: str | None = None
    mlflow_run_url: str | None = Field(default=None, description="The run in an MLflow UI serving that store")
    mlflow_ui_command: str | None = Field(default=None, description="How to open the store when no UI serves it")
    prefect_flow_run_id: str | None = None
    prefect_flow_run_url: str | None = None


class ComparisonResult(BaseModel):
    """Everything one comparison or benchmark produced."""

    comparison_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: datetime = Field(default_factory=_now)
    name: str = "comparison"
    models: list[str]
    items: list[DatasetItem] = Field(default_factory=list)
    results: list[ModelResult]
    rankings: list[ModelRanking] = Field(default_factory=list)
    winner: str | None = None
    recommendations: Recommendation | None = None
    analysis: ComparativeAnalysis | None = None
    pairwise_matrix: dict[str, dict[str, float]] = Field(default_factory=dict)
    complete: bool = True
    incomplete_models: list[str] = Field(default_factory=list)
    duration_ms: float = 0.0
    weights: RankingWeights = Field(default_factory=RankingWeights)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    links: RunLinks | None = Field(default=None, description="The MLflow run and Prefect flow run of this result")
