"""Built-in simulated models: the offline default, deterministic and clearly labelled as simulated.

Each model has a quality (the chance of a correct answer), a latency that is really awaited, a price and a
failure rate. Answers are built from the item (:mod:`llmbench.providers.sim_answers`): a right answer is a
correct reference, short or with a context sentence; a wrong one fails the way real models do (a misconception,
a flipped polarity, a swapped name or number, an invented claim, an off-topic sentence, a loop), so the
evaluators' scores can be checked against the quality each model really has.
The same (seed, model, item) always gives the same answer, latency and outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
from dataclasses import dataclass, field

from llmbench.errors import ModelNotFoundError, ServerError
from llmbench.providers.base import Provider
from llmbench.providers.sim_answers import good_answer, weak_answer
from llmbench.types import Completion, DatasetItem, GenerateRequest, ModelConfig, Price, SimSpec, Usage

__all__ = ["SIM_CATALOGUE", "SIM_PRICES", "SimProvider", "SimStats", "sim_stats"]

SIM_CATALOGUE: dict[str, SimSpec] = {
    "oracle-xl": SimSpec(quality=0.92, latency_ms=450, context_limit=200_000, description="strong, slow, expensive"),
    "balanced-m": SimSpec(quality=0.8, latency_ms=180, context_limit=128_000, description="good all-rounder"),
    "swift-s": SimSpec(
        quality=0.4,
        latency_ms=60,
        context_limit=16_000,
        weak_styles=("off_topic", "repetitive", "wrong", "polarity_flip", "number_change"),
        description="fast, cheap, weak",
    ),
    "flaky-m": SimSpec(quality=0.75, latency_ms=150, failure_rate=0.25, description="fails a quarter of calls"),
    "local-free": SimSpec(
        quality=0.6,
        latency_ms=250,
        context_limit=8_000,
        weak_styles=("entity_swap", "number_change", "misconception", "wrong"),
        description="local model, price 0",
    ),
    "mystery-x": SimSpec(quality=0.7, latency_ms=120, description="price unknown"),
}

#: Declared prices of the catalogue (USD per million tokens). mystery-x has none on purpose.
SIM_PRICES: dict[str, Price] = {
    "oracle-xl": Price(input_per_mtok=15.0, output_per_mtok=60.0),
    "balanced-m": Price(input_per_mtok=1.0, output_per_mtok=4.0),
    "swift-s": Price(input_per_mtok=0.1, output_per_mtok=0.4),
    "flaky-m": Price(input_per_mtok=0.5, output_per_mtok=1.5),
    "local-free": Price(input_per_mtok=0.0, output_per_mtok=0.0),
}


@dataclass
class SimStats:
    """In-flight calls seen by simulated models in this process (used to check concurrency limits). With
    ``recording`` on (tests, benchmarks; off by default so a long-lived worker does not grow), also the order calls
    arrived in (to check fair scheduling) and whether each answer was drawn good: the ground truth that
    ``benchmarks/ranking_recovery.py`` can score against."""

    in_flight: int = 0
    max_in_flight: int = 0
    calls: int = 0
    per_model_max: dict[str, int] = field(default_factory=dict)
    arrivals: list[tuple[str, str]] = field(default_factory=list)
    good: dict[tuple[str, str], bool] = field(default_factory=dict)
    recording: bool = False
    _per_model: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, model: str, item_id: str = "") -> None:
        with self._lock:
            self.calls += 1
            if self.recording:
                self.arrivals.append((model, item_id))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            now = self._per_model.get(model, 0) + 1
            self._per_model[model] = now
            self.per_model_max[model] = max(self.per_model_max.get(model, 0), now)

    def leave(self, model: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self._per_model[model] -= 1

    def reset(self) -> None:
        with self._lock:
            self.in_flight = self.max_in_flight = self.calls = 0
            self.per_model_max.clear()
            self.arrivals.clear()
            self.good.clear()
            self._per_model.clear()


_STATS = SimStats()


def sim_stats() -> SimStats:
    """The process-wide counters of simulated calls."""
    return _STATS


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _item(request: GenerateRequest) -> DatasetItem:
    """The item asked: given with the request, else rebuilt from the last user message (no reference known)."""
    if request.item is not None:
        return request.item
    user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return DatasetItem(id="", prompt=user or "?")


def _count_tokens(text: str) -> int:
    return max(1, round(len(text) / 4))


class SimProvider(Provider):
    """A simulated model from :data:`SIM_CATALOGUE` or from a ``simulation`` block in the config."""

    simulated = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        spec = config.simulation or SIM_CATALOGUE.get(config.model)
        if spec is None:
            raise ModelNotFoundError(
                f"no simulated model {config.model!r}; built-in ones: {', '.join(SIM_CATALOGUE)} "
                "(or declare one under [models.<name>] with a [models.<name>.simulation] table)",
                model=config.identifier,
            )
        self.spec = spec

    async def generate(self, request: GenerateRequest) -> Completion:
        if request.response_schema is not None:  # asked for a verdict: answer as the deterministic judge
            from llmbench.providers.sim_judge import judge_completion

            return await judge_completion(self.spec, self.config, request)
        item = _item(request)
        rng = _rng(self.spec.seed, self.config.model, item.id, item.prompt)
        latency = self.spec.latency_ms * (1 + self.spec.jitter * (2 * rng.random() - 1))
        fails = rng.random() < self.spec.failure_rate
        good = rng.random() < self.spec.quality
        _STATS.enter(self.config.identifier, item.id)
        if _STATS.recording:
            _STATS.good[(self.config.identifier, item.id)] = good and not fails
        try:
            await asyncio.sleep(latency / 1000)
        finally:
            _STATS.leave(self.config.identifier)
        if fails:
            raise ServerError("simulated failure (HTTP 503)", model=self.config.identifier, status_code=503)
        text = good_answer(rng, item) if good else weak_answer(rng, self.spec.weak_styles, item)
        prompt_chars = sum(len(m.content) for m in request.messages)
        return Completion(
            text=text,
            usage=Usage(input_tokens=max(1, round(prompt_chars / 4)), output_tokens=_count_tokens(text)),
            latency_ms=latency,
            ttft_ms=latency * 0.3,
            finish_reason="stop",
            served_model=f"sim/{self.config.model}",
            simulated=True,
        )
