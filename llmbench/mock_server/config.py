"""What the mock server serves: its models, an optional API key and per-model faults."""

from __future__ import annotations

import json
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llmbench.errors import ConfigError
from llmbench.textfiles import read_text

__all__ = [
    "DEFAULT_DELAY_S",
    "DEFAULT_MODELS",
    "DEFAULT_RETRY_AFTER",
    "FaultKind",
    "FaultSpec",
    "JudgeMode",
    "MockModel",
    "MockServerConfig",
    "load_mock_config",
]

DEFAULT_RETRY_AFTER = "1"
DEFAULT_DELAY_S = 30.0


class FaultKind(StrEnum):
    """Failures the server can inject; the value is what the ``x-mock-fault`` header carries."""

    RATE_LIMIT = "rate_limit"  # 429 + Retry-After
    SERVER_ERROR = "server_error"  # 500
    UNAVAILABLE = "unavailable"  # 503 (Anthropic: 529 overloaded_error)
    TIMEOUT = "timeout"  # sleep delay_s, then answer normally
    DROP = "drop"  # close the TCP connection without any response
    MALFORMED = "malformed"  # 200 with a body (or stream line) that is not JSON
    STREAM_CUT = "stream_cut"  # a few chunks, then the connection closes without the end marker
    ERROR_BODY = "error_body"  # 200 OK whose body (or stream event) is an error object
    AUTH = "auth"  # 401
    NOT_FOUND = "not_found"  # 404 model not found
    CONTEXT_LENGTH = "context_length"  # 400 context length exceeded
    BAD_REQUEST = "bad_request"  # 400 invalid request
    EMPTY = "empty"  # 200 with no answer: OpenAI no choice, Anthropic no content block, Ollama empty content
    TRUNCATED = "truncated"  # 200 with half the answer and the protocol's "cut by max_tokens" finish reason


class JudgeMode(StrEnum):
    """How the server answers a judge request; the value is what the ``x-mock-judge`` header carries."""

    VALID = "valid"  # the overlap verdict (llmbench.providers.sim_judge), following the schema asked for
    NOISY = "noisy"  # the overlap verdict with about half of its judgements changed, seeded by the prompt
    MALFORMED = "malformed"  # the first half of the valid verdict's JSON: not JSON at all
    OFF_SCHEMA = "off_schema"  # valid JSON that does not follow the schema


class FaultSpec(BaseModel):
    """One fault; ``count`` None applies it to every request, N only to the first N."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FaultKind
    count: int | None = Field(default=None, ge=0)
    retry_after: str | None = Field(default=None, description="Retry-After value, passed through verbatim")
    delay_s: float | None = Field(default=None, ge=0, description="Sleep of the timeout fault")


class MockModel(BaseModel):
    """A model the server pretends to host, with its really-awaited latency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    latency_ms: float = Field(default=50, ge=0, description="Total time of one answer")
    ttft_ms: float | None = Field(default=None, ge=0, description="Streaming: delay of the first chunk")
    context_window: int = Field(default=8192, ge=1)
    owned_by: str = "llmbench-mock"
    judge: JudgeMode | None = Field(default=None, description="Answer every request as a judge, in this mode")

    @property
    def first_chunk_ms(self) -> float:
        """Time to first token: ``ttft_ms`` when set, else a third of the latency."""
        return self.ttft_ms if self.ttft_ms is not None else self.latency_ms / 3


DEFAULT_MODELS: tuple[MockModel, ...] = (
    MockModel(name="gpt-mock-mini", latency_ms=30),
    MockModel(name="gpt-mock-large", latency_ms=120),
    MockModel(name="claude-mock", latency_ms=80),
    MockModel(name="llama-mock", latency_ms=60),
)


class MockServerConfig(BaseModel):
    """Models served, the key required (None: any or no key) and faults by model name."""

    model_config = ConfigDict(extra="forbid")

    models: list[MockModel] = Field(default_factory=lambda: list(DEFAULT_MODELS))
    require_api_key: str | None = None
    faults: dict[str, FaultSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_names(self) -> MockServerConfig:
        names = [m.name for m in self.models]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"models: duplicate model names {duplicates}")
        return self

    def model_named(self, name: str) -> MockModel | None:
        return next((m for m in self.models if m.name == name), None)


def load_mock_config(path: str | Path) -> MockServerConfig:
    """Read a TOML or JSON file; a ``[mock_server]`` table is used when present, else the whole file."""
    path = Path(path)
    text = read_text(path, "mock server config", ConfigError)
    try:
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("mock_server"), dict):
        data = data["mock_server"]
    try:
        return MockServerConfig.model_validate(data)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: invalid mock server config: {fields}") from exc
