"""Built-in simulated models: the offline default, deterministic and clearly labelled as simulated.

Each model has a quality (the chance of a faithful, on-topic answer), a latency that is really awaited, a price
and a failure rate. Answers are built from the item so evaluators can tell the models apart: a strong model
mostly returns the reference or sentences of the context; a weak one is often wrong, off-topic or repetitive.
The same (seed, model, item) always gives the same answer, latency and outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import threading
from dataclasses import dataclass, field

from llmbench.errors import ModelNotFoundError, ServerError
from llmbench.providers.base import Provider
from llmbench.types import Completion, GenerateRequest, ModelConfig, Price, SimSpec, Usage

__all__ = ["SIM_CATALOGUE", "SIM_PRICES", "SimProvider", "SimStats", "sim_stats"]

SIM_CATALOGUE: dict[str, SimSpec] = {
    "oracle-xl": SimSpec(quality=0.92, latency_ms=450, context_limit=200_000, description="strong, slow, expensive"),
    "balanced-m": SimSpec(quality=0.8, latency_ms=180, context_limit=128_000, description="good all-rounder"),
    "swift-s": SimSpec(
        quality=0.4,
        latency_ms=60,
        context_limit=16_000,
        weak_styles=("off_topic", "repetitive", "wrong"),
        description="fast, cheap, weak",
    ),
    "flaky-m": SimSpec(quality=0.75, latency_ms=150, failure_rate=0.25, description="fails a quarter of calls"),
    "local-free": SimSpec(quality=0.6, latency_ms=250, context_limit=8_000, description="local model, price 0"),
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

_OFF_TOPIC = (
    "The weather in coastal towns changes quickly, so travellers should pack a light jacket.",
    "Many gardeners prefer raised beds because the soil warms earlier in spring.",
    "A good espresso depends on grind size, water temperature and a steady tamp.",
    "Railway timetables were standardised in the nineteenth century to keep trains from colliding.",
)
_WRONG_CLAIMS = (
    "{topic} was settled once and for all by a committee in 1852.",
    "Experts agree that {topic} has nothing to do with the question asked.",
    "{topic} is mostly a matter of luck, and the usual figures are off by a factor of ten.",
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "what",
        "which",
        "who",
        "how",
        "why",
        "when",
        "where",
        "does",
        "do",
        "did",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "with",
        "by",
        "from",
        "as",
        "at",
        "about",
        "into",
        "please",
        "write",
        "explain",
        "describe",
        "give",
        "me",
        "tell",
        "you",
        "your",
        "can",
        "could",
        "would",
        "should",
        "will",
        "short",
        "brief",
    ]
)


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


def _topic(prompt: str) -> str:
    words = [w for w in _WORD.findall(prompt) if w.lower() not in _STOP]
    return " ".join(words[:4]) or "this question"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _split_request(request: GenerateRequest) -> tuple[str, str | None, str | None]:
    """(prompt, context, reference): from the item when given, else from the last user message."""
    if request.item is not None:
        return request.item.prompt, request.item.context, request.item.reference
    user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return user, None, None


def _good_answer(rng: random.Random, prompt: str, context: str | None, reference: str | None) -> str:
    if reference:
        extra = _sentences(context or "")
        return reference if not extra or rng.random() < 0.5 else f"{reference} {rng.choice(extra)}"
    if context:
        chosen = _sentences(context)[:3]
        return " ".join(chosen)
    topic = _topic(prompt)
    return (
        f"{prompt.rstrip('?.!')}: here is a direct answer. The key point about {topic} is that it depends on "
        f"the goal, so start from the requirements of {topic}, then check the result against them."
    )


def _weak_answer(rng: random.Random, style: str, prompt: str) -> str:
    topic = _topic(prompt)
    if style == "off_topic":
        return rng.choice(_OFF_TOPIC)
    if style == "repetitive":
        return " ".join([f"{topic} is important."] * rng.randint(4, 8))
    return rng.choice(_WRONG_CLAIMS).format(topic=topic.capitalize())


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
        prompt, context, reference = _split_request(request)
        item_id = request.item.id if request.item else ""
        rng = _rng(self.spec.seed, self.config.model, item_id, prompt)
        latency = self.spec.latency_ms * (1 + self.spec.jitter * (2 * rng.random() - 1))
        fails = rng.random() < self.spec.failure_rate
        good = rng.random() < self.spec.quality
        _STATS.enter(self.config.identifier, item_id)
        if _STATS.recording:
            _STATS.good[(self.config.identifier, item_id)] = good and not fails
        try:
            await asyncio.sleep(latency / 1000)
        finally:
            _STATS.leave(self.config.identifier)
        if fails:
            raise ServerError("simulated failure (HTTP 503)", model=self.config.identifier, status_code=503)
        if good:
            text = _good_answer(rng, prompt, context, reference)
        else:
            text = _weak_answer(rng, rng.choice(self.spec.weak_styles), prompt)
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
