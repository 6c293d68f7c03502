"""``llmbench.toml``: orchestration limits, ranking, statistics, tracking names and the models a team uses.

Found via ``--config``, then ``LLMBENCH_CONFIG``, then ``./llmbench.toml``; with none, the defaults apply. A bad
value fails with one line naming the file, the key and what is allowed, before anything runs.
"""

from __future__ import annotations

import os
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from llmbench.errors import ConfigError, InvalidWeights
from llmbench.execution import RetryPolicy
from llmbench.home import home_paths
from llmbench.textfiles import read_text
from llmbench.types import (
    ModelConfig,
    Normalisation,
    Price,
    RankingOptions,
    RankingWeights,
    RoutingStrategy,
    SimSpec,
    StatisticsConfig,
    UnknownPricePolicy,
    check_weights,
)

__all__ = [
    "CONFIG_ENV",
    "CacheConfig",
    "EvaluationConfig",
    "LLMBenchConfig",
    "ModelEntry",
    "OrchestrationConfig",
    "PrefectConfig",
    "RankingConfig",
    "RouterConfig",
    "RubricConfig",
    "StoreConfig",
    "TrackingConfig",
    "allowed_values",
    "find_config_path",
    "load_config",
    "parse_model_refs",
]

CONFIG_ENV = "LLMBENCH_CONFIG"
DEFAULT_FILENAME = "llmbench.toml"


class OrchestrationConfig(BaseModel):
    """The seed's ``[orchestration]`` keys, with its defaults and ranges, plus per-call limits."""

    model_config = ConfigDict(extra="forbid")

    max_parallel_models: int = Field(default=10, ge=1, le=20)
    comparison_timeout_seconds: float = Field(default=300, ge=1, le=3600)
    routing_strategy: RoutingStrategy = RoutingStrategy.BALANCED
    auto_update_profiles: bool = True
    profiles_path: str | None = Field(
        default=None,
        description="JSON file or SQLAlchemy URL; empty: profiles.json in $LLMBENCH_HOME (default ~/.llmbench)",
    )
    enable_statistical_tests: bool | None = Field(
        default=None, description="The seed's switch: when set it wins over [statistics] enabled"
    )
    profile_update_weight: float = Field(default=0.1, ge=0, le=1)
    model_timeout_seconds: float = Field(default=60, ge=1, le=3600)
    concurrency_limit: int = Field(default=10, ge=1, le=1000)


class RankingConfig(BaseModel):
    """``[ranking]``: the weights of the overall score (the seed's keys, summing to 1), how latency is normalised
    and what an unknown price counts for (see :mod:`llmbench.ranking`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quality: float = 0.6
    performance: float = 0.2
    cost: float = 0.2
    normalisation: Normalisation = "relative"
    unknown_price: UnknownPricePolicy = "pessimistic"

    @model_validator(mode="after")
    def _check(self) -> RankingConfig:
        check_weights({"quality": self.quality, "performance": self.performance, "cost": self.cost}, "ranking")
        return self

    @property
    def weights(self) -> RankingWeights:
        return RankingWeights(quality=self.quality, performance=self.performance, cost=self.cost)

    @property
    def options(self) -> RankingOptions:
        return RankingOptions(normalisation=self.normalisation, unknown_price=self.unknown_price)


class TrackingConfig(BaseModel):
    """Where runs are recorded: MLflow experiments per flow (``MLFLOW_TRACKING_URI`` wins over tracking_uri)."""

    model_config = ConfigDict(extra="forbid")

    tracking_uri: str | None = None
    compare_experiment: str = "llmbench-compare"
    benchmark_experiment: str = "llmbench-benchmark"
    profiles_experiment: str = "llmbench-profiles"
    enabled: bool = True


class PrefectConfig(BaseModel):
    """The probe benchmark of the scheduled refresh (its cron lives in prefect.yaml) and per-provider call limits
    (Prefect global concurrency limits)."""

    model_config = ConfigDict(extra="forbid")

    refresh_dataset: str = "examples/datasets/qa_small.jsonl"
    refresh_models: list[str] = Field(default_factory=lambda: ["sim:oracle-xl", "sim:balanced-m", "sim:swift-s"])
    provider_concurrency: dict[str, int] = Field(
        default_factory=lambda: {"sim": 100, "openai": 20, "anthropic": 10, "ollama": 4}
    )
    slot_wait_seconds: float = Field(
        default=300, gt=0, le=86_400, description="Give up waiting for a provider's concurrency slots after this"
    )
    slot_lease_seconds: float = Field(
        default=60,
        ge=60,
        le=3600,
        description="Lease of held slots, renewed by the holder: a killed run frees them after this at most "
        "(Prefect's server accepts 60 s at least)",
    )


class StoreConfig(BaseModel):
    """``[store]``: where every outcome is persisted so runs resume (SQLAlchemy URL; PostgreSQL to share)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None, description="e.g. postgresql://user@host/db; empty: sqlite under $LLMBENCH_HOME (store.db)"
    )
    enabled: bool = Field(default=True, description="Persist results and resume unfinished runs")


class CacheConfig(BaseModel):
    """``[cache]``: reuse successful answers to identical requests (same database as the store)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    ttl_hours: float = Field(default=168, gt=0, le=24 * 365)


class RouterConfig(BaseModel):
    """``[router]``: weights of the balanced strategy and what to do with models that have no profile."""

    model_config = ConfigDict(extra="forbid")

    quality_weight: float = Field(default=0.5, ge=0, le=1)
    speed_weight: float = Field(default=0.25, ge=0, le=1)
    cost_weight: float = Field(default=0.25, ge=0, le=1)
    unprofiled: Literal["exclude", "prior"] = "exclude"
    min_task_samples: int = Field(default=5, ge=1, le=10_000)


class RubricConfig(BaseModel):
    """``[evaluation.rubrics.<name>]``: criteria the judge scores 1-5 (metric ``rubric:<name>``)."""

    model_config = ConfigDict(extra="forbid")

    criteria: str = Field(min_length=1, description="What a good answer does, in the user's words")
    steps: list[str] = Field(default_factory=list, description="Optional evaluation steps, in order")


class EvaluationConfig(BaseModel):
    """``[evaluation]``: the judge model (a ``provider:model`` or a ``[models.<name>]`` entry) and its rubrics."""

    model_config = ConfigDict(extra="forbid")

    judge: str | None = Field(default=None, description="Model that judges answers; judge metrics need one")
    judge_repeats: int = Field(default=1, ge=1, le=20, description="Verdicts asked per answer and metric")
    judge_concurrency: int = Field(default=4, ge=1, le=1000, description="Judge calls in flight at once")
    judge_temperature: float = Field(default=0.0, ge=0, le=2, description="The judge's sampling temperature")
    rubrics: dict[str, RubricConfig] = Field(default_factory=dict)

    @field_validator("rubrics")
    @classmethod
    def _rubric_names(cls, rubrics: dict[str, RubricConfig]) -> dict[str, RubricConfig]:
        bad = [name for name in rubrics if not _RUBRIC_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"rubric names may use letters, digits, '_', '-' and '.' only: {', '.join(bad)}")
        return rubrics


_RUBRIC_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class ModelEntry(BaseModel):
    """A ``[models.<name>]`` table: a named model with its endpoint, key variable, defaults and price."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    api_key_block: str | None = None
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=1000, ge=1)
    top_p: float = Field(default=1.0, gt=0, le=1)
    stop: list[str] = Field(default_factory=list)
    stream: bool = False
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_seconds: float | None = Field(default=None, gt=0)
    price: Price | None = None
    simulation: SimSpec | None = None

    def to_model_config(self, alias: str) -> ModelConfig:
        return ModelConfig(alias=alias, **self.model_dump())


class LLMBenchConfig(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid")

    orchestration: OrchestrationConfig = Field(default_factory=OrchestrationConfig)
    ranking: RankingConfig = Field(default_factory=RankingConfig)
    statistics: StatisticsConfig = Field(default_factory=StatisticsConfig)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    prefect: PrefectConfig = Field(default_factory=PrefectConfig)
    router: RouterConfig = Field(default_factory=RouterConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    models: dict[str, ModelEntry] = Field(default_factory=dict)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    source: str | None = Field(default=None, exclude=True, description="The file this came from")

    def profiles_location(self) -> str:
        """Where router profiles live: the configured path or URL, else in the llmbench home with the other state."""
        if self.orchestration.profiles_path:
            return self.orchestration.profiles_path
        return str(home_paths().profiles)

    def store_url(self) -> str:
        """``[store] url``, else the SQLite file under the llmbench home."""
        return self.store.url or home_paths().store_url

    def tracking_uri(self) -> str | None:
        """``MLFLOW_TRACKING_URI`` wins over ``[tracking] tracking_uri``; None means llmbench's local default."""
        return os.environ.get("MLFLOW_TRACKING_URI") or self.tracking.tracking_uri

    def retry_policy(self) -> RetryPolicy:
        """The retry policy with the per-call timeout of ``[orchestration]`` applied."""
        return self.retry.model_copy(update={"timeout_seconds": self.orchestration.model_timeout_seconds})

    def resolve_model(self, ref: str) -> ModelConfig:
        """A model from a name in ``[models]`` or a ``provider:model`` reference."""
        ref = ref.strip()
        if ref in self.models:
            return self.models[ref].to_model_config(alias=ref)
        provider, sep, model = ref.partition(":")
        if not sep or not provider or not model:
            known = ", ".join(sorted(self.models)) or "none declared"
            raise ConfigError(
                f"unknown model {ref!r}: write provider:model (e.g. sim:oracle-xl) or a [models.<name>] "
                f"name from {self.source or DEFAULT_FILENAME} (declared: {known})"
            )
        return ModelConfig(provider=provider, model=model)

    def resolve_judge(self, override: str | None = None) -> ModelConfig | None:
        """The judge model: ``override`` (``--judge``) wins over ``[evaluation] judge``; None when neither is set."""
        ref = (override or self.evaluation.judge or "").strip()
        if not ref:
            return None
        where = "--judge" if override else f"{self.source or DEFAULT_FILENAME}: [evaluation] judge"
        try:
            return self.resolve_model(ref)
        except ConfigError as error:
            raise ConfigError(f"{where} = {ref!r}: {error}") from None


def parse_model_refs(text: str | list[str], config: LLMBenchConfig) -> list[ModelConfig]:
    """``"sim:a,sim:b"`` or a list of references to ModelConfigs, keeping order and dropping duplicates."""
    refs = text.split(",") if isinstance(text, str) else list(text)
    seen: dict[str, ModelConfig] = {}
    for ref in (r for r in refs if r.strip()):
        model = config.resolve_model(ref)
        seen.setdefault(model.identifier, model)
    return list(seen.values())


def find_config_path(explicit: str | Path | None = None) -> Path | None:
    """``--config``, then ``$LLMBENCH_CONFIG``, then ``./llmbench.toml``; None when there is none."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file named by {CONFIG_ENV} not found")
        return path
    local = Path.cwd() / DEFAULT_FILENAME
    return local if local.is_file() else None


def load_config(path: str | Path | None = None) -> LLMBenchConfig:
    """Read and validate the config; errors are one line: file, key, value and what is allowed."""
    found = find_config_path(path)
    if found is None:
        return LLMBenchConfig()
    try:
        data = tomllib.loads(read_text(found, "config file", ConfigError))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{found}: not valid TOML ({error})") from None
    return parse_config(data, source=str(found))


def parse_config(data: dict[str, Any], source: str = DEFAULT_FILENAME) -> LLMBenchConfig:
    try:
        config = LLMBenchConfig.model_validate(data)
    except InvalidWeights as error:
        raise InvalidWeights(f"{source}: [ranking] {error}") from None
    except ValidationError as error:
        raise ConfigError(f"{source}: {_describe(error, data)}") from None
    config.source = source
    return config


def _describe(error: ValidationError, data: dict[str, Any]) -> str:
    first = error.errors()[0]
    loc = [str(p) for p in first["loc"]]
    section, key = (loc[:-1], loc[-1]) if len(loc) > 1 else ([], loc[0] if loc else "?")
    where = f"[{'.'.join(section)}] {key}" if section else key
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    if first["type"] == "missing":
        return f"{where}: required key is missing"
    allowed = allowed_values(LLMBenchConfig, first["loc"])
    hint = f" (allowed: {allowed})" if allowed else ""
    return f"{where} = {first.get('input')!r}: {first['msg']}{hint}"


def allowed_values(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The range or choices of the field at ``loc`` of ``model`` ("1–20", "a | b"), read from its declaration."""
    cls: Any = model
    field = None
    skip_key = False
    for part in loc:
        if skip_key:  # the <name> of a ``[models.<name>]`` table
            skip_key = False
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return None
        field = cls.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        skip_key = get_origin(ann) is dict
        cls = get_args(ann)[1] if skip_key else next((a for a in get_args(ann) if a is not type(None)), ann)
    if field is None:
        return None
    ann = field.annotation
    if isinstance(ann, type) and issubclass(ann, StrEnum):
        return " | ".join(m.value for m in ann)
    if get_origin(ann) is Literal:
        return " | ".join(map(str, get_args(ann)))
    low = high = None
    for meta in field.metadata:
        if isinstance(meta, annotated_types.Ge | annotated_types.Gt):
            low = getattr(meta, "ge", getattr(meta, "gt", None))
        if isinstance(meta, annotated_types.Le | annotated_types.Lt):
            high = getattr(meta, "le", getattr(meta, "lt", None))
    if low is None and high is None:
        return None
    return f"{low if low is not None else '-∞'}–{high if high is not None else '∞'}"
