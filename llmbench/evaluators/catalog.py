"""Every metric with what it needs and what it costs: the data behind ``llmbench metrics``.

Offline costs are measured, not declared: each offline evaluator scores a small built-in set of answers a few
times (after one warm-up call, so imports and first-use setup are not counted) and the mean time per answer is
reported. Judge metrics report their model calls per answer instead.
"""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, Field

from llmbench.errors import ConfigError
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import analyse
from llmbench.evaluators.quality import quality_weight
from llmbench.evaluators.registry import EVALUATORS
from llmbench.types import DatasetItem

__all__ = ["MetricInfo", "metric_catalog"]

_REPEATS = 5

_SAMPLE_ITEM = DatasetItem(
    id="catalog",
    prompt="How deep is Lake Orrin at its deepest point?",
    context="Lake Orrin covers about 58 square kilometres and reaches a maximum depth of 94 metres. "
    "It is fed by three rivers.",
    reference="94 metres",
    references=["At its deepest point Lake Orrin reaches 94 metres."],
    incorrect_references=["Lake Orrin is 58 metres deep."],
    contains=["94"],
    regex=[r"\b94\b"],
    json_schema={"type": "object", "properties": {"depth_m": {"type": "number"}}, "required": ["depth_m"]},
)
_SAMPLE_ANSWERS = (
    "94 metres",
    "Lake Orrin is 94 metres deep at its deepest point, and it is fed by three rivers.",
    "Lake Orrin is 58 metres deep at its deepest point.",
    "No, it is very shallow.",
    "The weather in coastal towns changes quickly, so travellers should pack a light jacket.",
    '{"depth_m": 94}',
    "",
    "Lake Orrin is deep. Lake Orrin is deep. Lake Orrin is deep. Lake Orrin is deep.",
)


class MetricInfo(BaseModel):
    """One metric as ``llmbench metrics`` lists it."""

    name: str
    family: str = Field(description="correctness, grounding, format or other")
    summary: str = Field(description="First line of the evaluator's docstring")
    needs: list[str] = Field(description="What an item must carry for the metric to apply")
    uses: list[str] = Field(description="What the metric uses when present")
    judge_calls: int = Field(description="Model calls per answer; 0 for offline metrics")
    offline_us_per_answer: float | None = Field(
        description="Measured µs per answer; None for judge metrics and metrics not timed (see available)"
    )
    quality_weight: float = Field(description="Weight in an item's quality")
    available: bool = Field(default=True, description="False when an optional dependency is missing")


def _summary(cls: type[Evaluator]) -> str:
    lines = (cls.__doc__ or "").strip().splitlines()
    return lines[0] if lines else ""


def _measure(cls: type[Evaluator]) -> float:
    """Mean µs per answer over the sample (first call excluded; text analysis cache cleared each pass)."""
    evaluator = cls()

    async def one_pass() -> None:
        for answer in _SAMPLE_ANSWERS:
            await evaluator.evaluate(_SAMPLE_ITEM, answer)

    async def timed() -> float:
        await evaluator.evaluate(_SAMPLE_ITEM, _SAMPLE_ANSWERS[1])  # warm-up: imports, compiled patterns
        elapsed = 0.0
        for _ in range(_REPEATS):
            analyse.cache_clear()
            started = time.perf_counter()
            await one_pass()
            elapsed += time.perf_counter() - started
        return elapsed / (_REPEATS * len(_SAMPLE_ANSWERS)) * 1e6

    return asyncio.run(timed())


def metric_catalog(measure: bool = True) -> list[MetricInfo]:
    """Every registered metric, sorted by name; ``measure=False`` skips the timing (costs then None).

    Call it from synchronous code: the timing runs the offline evaluators in their own event loop.
    """
    infos = []
    for name in sorted(EVALUATORS):
        cls = EVALUATORS[name]
        offline = cls.judge_calls == 0
        available = _available(cls) if offline else True
        needs = list(cls.needs) + ([] if offline or "judge" in cls.needs else ["judge"])
        timed = offline and available and measure and cls.measured
        infos.append(
            MetricInfo(
                name=name,
                family=cls.family,
                summary=_summary(cls),
                needs=needs,
                uses=list(cls.uses),
                judge_calls=cls.judge_calls,
                offline_us_per_answer=round(_measure(cls), 1) if timed else None,
                quality_weight=quality_weight(name),
                available=available,
            )
        )
    return infos


def _available(cls: type[Evaluator]) -> bool:
    """Whether an offline evaluator can be built here (an optional dependency may be missing)."""
    try:
        cls()
    except ConfigError:
        return False
    return True
