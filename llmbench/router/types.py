"""Values the router reads and returns: profiles of models, constraints, weights and the selection it makes.

A :class:`ModelProfile` is JSON-compatible with the seed's simple form (``quality_score``, ``avg_latency_ms``,
``cost_per_1k_tokens``, ``context_limit``, ``strengths``, ``sample_count``, ``last_updated``): a file holding only
those fields loads, and every saved profile carries them, kept in step with the richer ``overall`` statistics.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from llmbench.types import Price, RoutingStrategy, TaskType, check_weights

__all__ = [
    "QUALITY_Z",
    "Alternative",
    "ModelConstraints",
    "ModelProfile",
    "ModelSelection",
    "ProfileSource",
    "RoutingStrategy",
    "RoutingWeights",
    "TaskStats",
    "UnprofiledPolicy",
]

#: z of the quality interval: mean ± 1.645 standard errors, a 90% interval whose lower end is a one-sided 95% bound.
QUALITY_Z = 1.645


class UnprofiledPolicy(StrEnum):
    """What to do with a candidate that has no profile: drop it, or score it with a prior and say so."""

    EXCLUDE = "exclude"
    PRIOR = "prior"


class ProfileSource(StrEnum):
    LEARNED = "learned"  # measured by benchmark runs
    DECLARED = "declared"  # a simulated model's declared characteristics, not yet measured
    PRIOR = "prior"  # no profile at all: the router's configured prior


class TaskStats(BaseModel):
    """What is known of a model on one task type (or overall). ``None`` means never observed."""

    # An infinite latency read from a file would make that model the "fastest" after the router's arithmetic.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    quality_mean: float | None = Field(default=None, ge=0, le=1)
    quality_var: float = Field(default=0.0, ge=0, description="Spread of single-item quality (EMA variance)")
    quality_stderr: float | None = Field(default=None, ge=0, description="Uncertainty of quality_mean")
    latency_p50_ms: float | None = Field(default=None, ge=0)
    latency_p95_ms: float | None = Field(default=None, ge=0)
    output_tokens: float | None = Field(default=None, ge=0, description="Typical output length")
    cost_per_1k_tokens: float | None = Field(default=None, ge=0, description="USD per 1000 input+output tokens")
    sample_count: int = Field(default=0, ge=0, description="Successful results observed")
    failure_count: int = Field(default=0, ge=0)
    last_updated: datetime | None = None

    def quality_interval(self, z: float = QUALITY_Z) -> tuple[float, float] | None:
        """(low, high) of the quality estimate, clipped to [0, 1]; None when quality was never observed."""
        if self.quality_mean is None:
            return None
        half = z * (self.quality_stderr or 0.0)
        return max(0.0, self.quality_mean - half), min(1.0, self.quality_mean + half)


class ModelProfile(BaseModel):
    """What the router knows of one model, overall and per task type."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    model: str = Field(default="", description="Identifier 'provider/model'; the store fills it from its key")
    # The seed's simple form, always derived from ``overall`` once that exists.
    quality_score: float | None = None
    avg_latency_ms: float | None = None
    cost_per_1k_tokens: float | None = None
    context_limit: int | None = Field(default=None, ge=1)
    strengths: list[TaskType] = Field(default_factory=list)
    sample_count: int = 0
    last_updated: datetime | None = None
    # The richer form.
    overall: TaskStats = Field(default_factory=TaskStats)
    per_task: dict[TaskType, TaskStats] = Field(default_factory=dict)
    price: Price | None = Field(default=None, description="Declared price; makes cost estimates exact")
    source: ProfileSource = ProfileSource.LEARNED

    @model_validator(mode="before")
    @classmethod
    def _from_simple_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "overall" not in data:
            latency = data.get("avg_latency_ms")
            data = dict(data)
            data["overall"] = {
                "quality_mean": data.get("quality_score"),
                "latency_p50_ms": latency,
                "latency_p95_ms": latency,
                "cost_per_1k_tokens": data.get("cost_per_1k_tokens"),
                "sample_count": data.get("sample_count", 0),
                "last_updated": data.get("last_updated"),
            }
        return data

    @model_validator(mode="after")
    def _sync_simple_form(self) -> ModelProfile:
        self.sync()
        return self

    def sync(self) -> None:
        """Copy ``overall`` into the seed's simple fields (after an in-place update)."""
        o = self.overall
        self.__dict__.update(
            quality_score=o.quality_mean,
            avg_latency_ms=o.latency_p50_ms,
            cost_per_1k_tokens=o.cost_per_1k_tokens,
            sample_count=o.sample_count,
            last_updated=o.last_updated,
        )

    def stats_for(self, task: TaskType, min_samples: int) -> tuple[TaskStats, bool]:
        """Per-task statistics once they rest on ``min_samples`` results, else overall; bool says which."""
        stats = self.per_task.get(task)
        if stats is not None and stats.sample_count >= min_samples and stats.quality_mean is not None:
            return stats, True
        return self.overall, False


class RoutingWeights(BaseModel):
    """Weights of the balanced strategy: none negative, summing to 1 within 0.01."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quality: float = 0.5
    speed: float = 0.25
    cost: float = 0.25

    @model_validator(mode="after")
    def _check(self) -> RoutingWeights:
        check_weights({"quality": self.quality, "speed": self.speed, "cost": self.cost}, "routing")
        return self


class ModelConstraints(BaseModel):
    """Hard limits on the chosen model; ``None`` means no limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_cost_usd: float | None = Field(
        default=None, ge=0, description="Per request: prompt tokens plus the model's typical output length"
    )
    max_latency_ms: float | None = Field(default=None, gt=0, description="Checked against p95 latency")
    min_quality: float | None = Field(default=None, ge=0, le=1, description="Checked against the interval's low end")
    min_context_tokens: int | None = Field(default=None, ge=1)


class Alternative(BaseModel):
    """A model that was not chosen, and why."""

    model: str
    score: float | None = Field(description="None when a constraint excluded it")
    expected_quality: float | None
    latency_p95_ms: float | None
    estimated_cost_usd: float | None
    excluded_by: str | None = None
    reason: str


class ModelSelection(BaseModel):
    """The router's choice with every figure behind it."""

    model: str
    task_type: TaskType
    task_type_source: str = Field(description="'given' or 'classified'")
    strategy: RoutingStrategy
    weights: RoutingWeights
    score: float
    components: dict[str, float] = Field(description="Normalised quality, speed and cost terms in [0, 1]")
    expected_quality: float | None
    quality_interval: tuple[float, float] | None
    expected_latency_ms: float | None = Field(description="p50")
    latency_p95_ms: float | None
    estimated_cost_usd: float | None
    estimated_input_tokens: int
    estimated_output_tokens: int
    profile_source: ProfileSource
    sample_count: int
    per_task_profile: bool = Field(description="True when the task type's own statistics were used")
    reasoning: str
    notes: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    candidates: int
    excluded: dict[str, int] = Field(default_factory=dict, description="Constraint -> models it removed")
