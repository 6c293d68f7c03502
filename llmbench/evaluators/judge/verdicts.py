"""What a judge may answer, parsed strictly: one JSON object with exactly the fields of its verdict type.

Strict means no hunting for a number in prose: the whole answer must be one JSON object (a Markdown code fence
around it is the only wrapper accepted), every field present with its exact JSON type (``"4"`` is not 4, ``1`` is
not ``true``), no extra field, values in range. Anything else raises :class:`UnparseableVerdict` with the raw
text kept, so a failed verdict is counted rather than turned into a default score.
"""

from __future__ import annotations

import json
import re
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmbench.errors import UnparseableVerdict

__all__ = [
    "GRADE_SCORES",
    "ClaimCheck",
    "ClaimChecks",
    "Claims",
    "CorrectnessVerdict",
    "RelevanceVerdict",
    "RubricVerdict",
    "StatementCheck",
    "Verdict",
    "parse_verdict",
    "rubric_score",
]

#: Score of each correctness grade.
GRADE_SCORES: dict[str, float] = {"correct": 1.0, "partially_correct": 0.5, "incorrect": 0.0}

_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(.*)\n```\Z", re.DOTALL)


class Verdict(BaseModel):
    """Base of every verdict: strict types, no extra fields."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Claims(Verdict):
    claims: list[str]


class ClaimCheck(Verdict):
    reason: str
    supported: bool


class ClaimChecks(Verdict):
    verdicts: list[ClaimCheck]


class CorrectnessVerdict(Verdict):
    reasoning: str
    grade: Literal["correct", "partially_correct", "incorrect"]


class StatementCheck(Verdict):
    statement: str
    reason: str
    relevant: bool


class RelevanceVerdict(Verdict):
    statements: list[StatementCheck]


class RubricVerdict(Verdict):
    reasoning: str
    score: int = Field(ge=1, le=5)  # strict: true and 4.0 are not 4


V = TypeVar("V", bound=Verdict)


def rubric_score(score: int) -> float:
    """A 1-5 rubric score mapped onto [0, 1]: 1 -> 0, 3 -> 0.5, 5 -> 1."""
    return (score - 1) / 4


def parse_verdict(text: str, verdict: type[V]) -> V:
    """``text`` as a ``verdict``; :class:`UnparseableVerdict` (raw text kept) when it is anything else."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        data = json.loads(body)
    except ValueError as error:
        raise UnparseableVerdict(f"the judge's answer is not JSON ({error})", raw=[text]) from None
    if not isinstance(data, dict):
        raise UnparseableVerdict(f"the judge's answer is JSON but not an object ({type(data).__name__})", raw=[text])
    try:
        return verdict.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "<root>"
        raise UnparseableVerdict(
            f"the judge's verdict does not follow its schema: {where}: {first['msg']}", raw=[text]
        ) from None
