"""The contract of llmbench: every value that crosses a layer is one of these pydantic models.

Field names follow the system llmbench replaces (``rankings``, ``winner``, ``overall_score``,
``component_scores``...) so its JSON reads the same for existing users.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from llmbench.errors import InvalidWeights
from llmbench.stats.models import (
    Interval,
    ModelStatistics,
    ParetoEntry,
    SignificanceTest,
    StatisticsConfig,
    StatisticsReport,
)

__all__ = [
    "DEFAULT_METRICS",
    "TRUNCATION_REASONS",
    "ChatMessage",
    "ComparativeAnalysis",
    "ComparisonConfig",
    "ComparisonResult",
    "Completion",
    "ComponentScores",
    "DatasetItem",
    "EvalFailure",
    "EvalScore",
    "Finding",
    "GenerateRequest",
    "Interval",
    "JudgeAgreement",
    "JudgeSummary",
    "JudgeUsage",
    "ModelConfig",
    "ModelRanking",
    "ModelResult",
    "ModelStatistics",
    "Normalisation",
    "ParetoEntry",
    "Price",
    "RankingOptions",
    "RankingWeights",
    "Recommendation",
    "ResponseSchema",
    "RoutingStrategy",
    "RunLinks",
    "SignificanceTest",
    "SimSpec",
    "StatisticsConfig",
    "StatisticsReport",
    "TaskType",
    "UnknownPricePolicy",
    "Usage",
    "WeakStyle",
    "check_weights",
]

#: Metrics a run computes unless told otherwise. Correctness is not applicable to items without a reference,
#: faithfulness to items without a context or reference: each is left out where it cannot run.
DEFAULT_METRICS: tuple[str, ...] = ("correctness", "faithfulness", "relevance", "coherence")
#: Finish reasons meaning the answer was cut by the token budget: OpenAI and Ollama ``length``, Anthropic
#: ``max_tokens``, OpenAI's ``model_context_window_exceeded``.
TRUNCATION_REASONS: frozenset[str] = frozenset({"length", "max_tokens", "model_context_window_exceeded"})


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


#: How a simulated model's wrong answers go wrong (definitions in :mod:`llmbench.providers.sim_answers`).
WeakStyle = Literal[
    "misconception", "polarity_flip", "entity_swap", "number_change", "wrong", "off_topic", "repetitive"
]


class SimSpec(BaseModel):
    """How a simulated model behaves: all of it deterministic for a given seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quality: float = Field(default=0.7, ge=0, le=1, description="Chance of a correct answer")
    latency_ms: float = Field(default=200, ge=0, description="Mean latency, really awaited")
    jitter: float = Field(default=0.2, ge=0, le=1, description="Latency varies by up to this share")
    failure_rate: float = Field(default=0.0, ge=0, le=1, description="Share of calls that fail with a 503")
    context_limit: int = Field(default=32_000, ge=1)
    weak_styles: tuple[WeakStyle, ...] = Field(
        default=("misconception", "polarity_flip", "entity_swap", "number_change", "wrong", "off_topic"),
        min_length=1,
        description="How its wrong answers go wrong (see llmbench.providers.sim_answers)",
    )
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

    model_config = ConfigDict(extra="forbid", frozen=True, title="Ranking weights")

    quality: float = Field(default=0.6, title="Quality", description="Weight of the mean quality of the answers")
    performance: float = Field(default=0.2, title="Performance", description="Weight of speed (median latency)")
    cost: float = Field(default=0.2, title="Cost", description="Weight of cost efficiency (quality per dollar)")

    @model_validator(mode="after")
    def _check(self) -> RankingWeights:
        check_weights({"quality": self.quality, "performance": self.performance, "cost": self.cost}, "ranking")
        return self


Normalisation = Literal["relative", "minmax"]
UnknownPricePolicy = Literal["pessimistic", "exclude", "renormalise"]


class RankingOptions(BaseModel):
    """How the overall score treats latency and an unknown price (formulas in :mod:`llmbench.ranking`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    normalisation: Normalisation = Field(
        default="relative", description="relative: fastest latency / latency; minmax: the seed's 1 − (L − min)/range"
    )
    unknown_price: UnknownPricePolicy = Field(
        default="pessimistic",
        description="pessimistic: cost efficiency 0; exclude: not ranked overall; renormalise: the seed's weights",
    )


class ComparisonConfig(BaseModel):
    """What to compare and under which limits."""

    model_config = ConfigDict(extra="forbid")

    models: list[ModelConfig]
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    statistics: StatisticsConfig = Field(
        default_factory=StatisticsConfig, validation_alias=AliasChoices("statistics", "statistical_tests")
    )
    timeout_seconds: float = Field(default=300, ge=1, le=3600, description="Overall deadline")
    model_timeout_seconds: float = Field(default=60, gt=0, description="Deadline of one model call")
    concurrency_limit: int = Field(default=10, ge=1, le=1000, description="Model calls in flight at once")
    weights: RankingWeights = Field(default_factory=RankingWeights)
    ranking: RankingOptions = Field(default_factory=RankingOptions)

    @model_validator(mode="before")
    @classmethod
    def _seed_switch(cls, data: Any) -> Any:
        """The seed's ``statistical_tests=True/False`` still works: it switches statistics on or off."""
        if isinstance(data, dict) and isinstance(data.get("statistical_tests"), bool):
            data = {**data, "statistical_tests": StatisticsConfig(enabled=data["statistical_tests"])}
        return data


_Text = Annotated[str, Field(min_length=1)]
_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class DatasetItem(BaseModel):
    """One prompt to send to every model, with what evaluators may check it against.

    The correct references are ``reference`` plus ``references`` (:attr:`correct_references`);
    ``incorrect_references`` are known wrong answers (common misconceptions, the fact with its polarity flipped)
    that the correctness metric keeps the answer away from. ``contains``, ``regex``, ``json_schema``,
    ``answer_format`` and ``numeric_tolerance`` feed the reference metrics of the same names (see the README).
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    context: str | None = None
    reference: str | None = None
    references: list[_Text] = Field(default_factory=list, description="More correct answers")
    incorrect_references: list[_Text] = Field(default_factory=list, description="Known wrong answers")
    contains: list[_Text] = Field(default_factory=list, description="Strings the answer must contain (any case)")
    regex: list[_Text] = Field(default_factory=list, description="Python regular expressions the answer must match")
    json_schema: dict[str, Any] | None = Field(default=None, description="JSON Schema the answer must satisfy")
    answer_format: Literal["json"] | None = Field(default=None, description="'json': the answer must be JSON")
    numeric_tolerance: float | str | None = Field(
        default=None, description="Numeric match tolerance: absolute (0.5) or relative ('2%'); default exact"
    )
    task_type: TaskType | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("references", "incorrect_references", "contains", "regex", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
        return patterns

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            import jsonschema  # imported here: only datasets that declare a schema pay for it

            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except jsonschema.SchemaError as error:
                raise ValueError(f"not a valid JSON Schema: {error.message}") from None
        return schema

    @field_validator("numeric_tolerance")
    @classmethod
    def _tolerance(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str) and not _TOLERANCE.match(value):
            raise ValueError(f"expected a number >= 0 or a percentage such as '2%', got {value!r}")
        if isinstance(value, float | int) and not value >= 0:
            raise ValueError(f"must be >= 0, got {value}")
        return value

    @property
    def correct_references(self) -> list[str]:
        """``reference`` then ``references``, blanks and repeats dropped."""
        texts = [self.reference, *self.references] if self.reference else list(self.references)
        return list(dict.fromkeys(t for t in texts if t and t.strip()))

    def tolerances(self) -> tuple[float, float]:
        """(absolute, relative) tolerance of numeric comparisons: ``numeric_tolerance``, or exact by default."""
        value = self.numeric_tolerance
        if value is None:
            return 0.0, 1e-9
        if isinstance(value, str):
            match = _TOLERANCE.match(value)
            return 0.0, float(match.group(1)) / 100 if match else 1e-9
        return float(value), 1e-9


class ChatMessage(BaseModel):
    role: str
    content: str


class ResponseSchema(BaseModel):
    """A JSON schema the answer must follow; each provider maps it to its protocol's structured output.

    Written for the strictest dialect (OpenAI strict mode, Anthropic ``output_config``): every object lists all
    its properties as required and sets ``additionalProperties: false``; ranges are checked by the caller.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="OpenAI requires a name of this form")
    json_schema: dict[str, Any]
    strict: bool = True


class GenerateRequest(BaseModel):
    """What a provider receives: messages plus the sampling parameters of its ModelConfig."""

    messages: list[ChatMessage]
    item: DatasetItem | None = Field(
        default=None, description="The item asked; only simulated models read it (they answer from its reference)"
    )
    response_schema: ResponseSchema | None = Field(
        default=None, description="Structured output: the answer is one JSON object following this schema"
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

    @property
    def truncated(self) -> bool:
        """Cut by max_tokens (or the context window) rather than finished by the model."""
        return self.finish_reason in TRUNCATION_REASONS


class JudgeUsage(BaseModel):
    """What judge calls cost: a budget line of its own, never added to the cost of the models judged.

    ``cost_usd`` sums the answered calls (a failed call returns no usage to price) and is None when the judge's
    price is unknown, never 0 by default.
    """

    model: str = Field(description="The judge's ModelConfig.identifier")
    evaluations: int = Field(default=0, ge=0, description="Verdicts asked: one per metric per answer")
    failed_evaluations: int = Field(default=0, ge=0, description="Verdicts that gave no score")
    calls: int = Field(default=0, ge=0, description="Judge requests, repeats and steps included, failed ones too")
    failed_calls: int = Field(default=0, ge=0, description="Requests that failed after the runner's retries")
    unparseable: int = Field(default=0, ge=0, description="Answered requests whose verdict could not be parsed")
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = Field(default=0.0, description="None when the judge's price is unknown")
    price_known: bool = True

    @property
    def parse_failure_rate(self) -> float | None:
        """Share of answered judge requests whose verdict could not be parsed; None with no answered request."""
        answered = self.calls - self.failed_calls
        return self.unparseable / answered if answered else None

    def plus(self, other: JudgeUsage) -> JudgeUsage:
        """The sum of two budget lines (an unknown cost on either side makes the total unknown)."""
        known = self.price_known and other.price_known
        models = list(dict.fromkeys([*self.model.split(", "), *other.model.split(", ")]))
        return JudgeUsage(
            model=", ".join(models),
            evaluations=self.evaluations + other.evaluations,
            failed_evaluations=self.failed_evaluations + other.failed_evaluations,
            calls=self.calls + other.calls,
            failed_calls=self.failed_calls + other.failed_calls,
            unparseable=self.unparseable + other.unparseable,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=(self.cost_usd or 0.0) + (other.cost_usd or 0.0) if known else None,
            price_known=known,
        )


class JudgeAgreement(BaseModel):
    """How far repeated verdicts on the same answer agree (0 deviation and share 1 when all are identical)."""

    items: int = Field(ge=1, description="Answers judged with at least two valid repeats")
    mean_abs_deviation: float = Field(ge=0, description="Mean |score - mean of the item's repeats|")
    identical_share: float = Field(ge=0, le=1, description="Share of repeats equal to the item's most common score")


class JudgeSummary(BaseModel):
    """The judge's budget line of a run, in total and per metric, with the agreement of repeats per metric."""

    total: JudgeUsage
    by_metric: dict[str, JudgeUsage] = Field(default_factory=dict)
    agreement: dict[str, JudgeAgreement] = Field(default_factory=dict)


class EvalScore(BaseModel):
    """One evaluator's verdict on one response: a score in [0, 1] and how it was reached."""

    name: str
    score: float = Field(ge=0, le=1)
    details: dict[str, Any] = Field(default_factory=dict)
    usage: JudgeUsage | None = Field(default=None, description="Judge calls behind this verdict, if any")


class EvalFailure(BaseModel):
    """Why a metric has no score on a row: counted in reports; the ranking leaves the metric out for that item."""

    error_type: str = Field(description="EvaluationFailed subclass, e.g. UnparseableVerdict or JudgeCallFailed")
    message: str
    raw: list[str] = Field(default_factory=list, description="Judge answers that could not be parsed, verbatim")
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
    eval_errors: dict[str, EvalFailure] = Field(
        default_factory=dict, description="Metrics that failed to score this answer (no score, never a default)"
    )
    judge_usage: dict[str, JudgeUsage] = Field(
        default_factory=dict, description="Judge calls spent on this answer, per metric; not in cost_usd"
    )
    not_applicable: list[str] = Field(
        default_factory=list, description="Metrics that could not run on this item (left out of its quality)"
    )
    simulated: bool = False
    task_type: TaskType | None = None
    truncated: bool = Field(default=False, description="The answer was cut by max_tokens: kept, but incomplete")
    cached: bool = Field(
        default=False,
        description="Served from the response cache: latency, usage and cost are those of the original call, "
        "and that cost was not spent again",
    )


class ComponentScores(BaseModel):
    quality: float
    performance: float
    cost_efficiency: float | None = Field(description="None when the cost of this model is unknown")


class ModelRanking(BaseModel):
    """A model's place in the ranking, with the figures behind it.

    ``rank`` is the position by point estimate; ``rank_group`` is what the data supports: 1 + the number of
    models significantly better on the overall score, so models that share it are tied.
    """

    model: str
    rank: int
    overall_score: float | None = Field(description="None: not ranked overall (unknown price, policy exclude)")
    component_scores: ComponentScores
    rank_group: int | None = Field(default=None, description="Shared by tied models; None without statistics")
    quality_group: int | None = Field(default=None, description="The same on quality alone")
    overall_interval: Interval | None = None
    quality_interval: Interval | None = None
    p_best: float | None = Field(default=None, description="Share of bootstrap resamples where it ranks first")
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
    tied: dict[str, list[str]] = Field(default_factory=dict, description="overall/quality: models tied for best")


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
    ranking_options: RankingOptions = Field(default_factory=RankingOptions)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    judge_usage: JudgeSummary | None = Field(
        default=None, description="What the judge cost, apart from the models' cost; None when no judge ran"
    )
    statistics: StatisticsReport | None = None
    run_id: str | None = Field(default=None, description="Run id in the result store: what --resume takes")
    links: RunLinks | None = Field(default=None, description="The MLflow run and Prefect flow run of this result")
