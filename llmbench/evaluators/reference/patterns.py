"""Expected strings and patterns declared on the item: ``contains`` and ``regex``.

* ``contains`` = share of the item's ``contains`` strings found in the answer, case-insensitively and with
  runs of whitespace treated as one space. Not applicable without ``contains``.
* ``regex`` = share of the item's ``regex`` patterns that match somewhere in the answer (Python ``re.search``;
  add ``(?i)`` for case-insensitive, anchors for a whole-answer match). Not applicable without ``regex``.

Patterns are compiled when the dataset is loaded, so a broken one fails there with the file and line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.types import DatasetItem, EvalScore

__all__ = ["ContainsEvaluator", "RegexEvaluator"]


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class ContainsEvaluator(Evaluator):
    """Share of the expected strings the answer contains."""

    name: ClassVar[str] = "contains"
    needs: ClassVar[tuple[str, ...]] = ("contains",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        if not item.contains:
            return None
        answer = _squash(response)
        missing = [text for text in item.contains if _squash(text) not in answer]
        found = len(item.contains) - len(missing)
        return EvalScore(
            name=self.name,
            score=found / len(item.contains),
            details={"method": "case-insensitive substring", "found": found, "missing": missing[:20]},
        )


class RegexEvaluator(Evaluator):
    """Share of the expected patterns that match the answer."""

    name: ClassVar[str] = "regex"
    needs: ClassVar[tuple[str, ...]] = ("regex",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        if not item.regex:
            return None
        unmatched = [p for p in item.regex if not _compiled(p).search(response)]
        matched = len(item.regex) - len(unmatched)
        return EvalScore(
            name=self.name,
            score=matched / len(item.regex),
            details={"method": "re.search per pattern", "matched": matched, "unmatched": unmatched[:20]},
        )
