"""JSON answers: ``json_valid`` and ``json_schema`` (``jsonschema``).

* ``json_valid`` = 1 when the answer parses as JSON, else 0. One surrounding Markdown code fence (```json ...
  ```) is tolerated and reported (``fenced``), because chat models add it even when asked for bare JSON.
  Applies when the item sets ``answer_format: json`` or a ``json_schema``.
* ``json_schema`` = 1 when the parsed answer validates against the item's ``json_schema`` (any draft the
  ``$schema`` key names; Draft 2020-12 by default), else 0; details list the first violations.
  An answer that is not JSON scores 0. Applies when the item has a ``json_schema``.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.types import DatasetItem, EvalScore

__all__ = ["JsonSchemaEvaluator", "JsonValidEvaluator", "parse_json_answer"]

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(.*?)\n?\s*```\s*$", re.DOTALL)
_MAX_ERRORS = 5


def parse_json_answer(response: str) -> tuple[bool, Any, bool, str | None]:
    """(parsed, value, fenced, error) for an answer that should be JSON."""
    fence = _FENCE.match(response)
    text = fence.group(1) if fence else response
    try:
        return True, json.loads(text), fence is not None, None
    except json.JSONDecodeError as error:
        return False, None, fence is not None, f"{error.msg} at line {error.lineno} column {error.colno}"


class JsonValidEvaluator(Evaluator):
    """1 when the answer is JSON."""

    name: ClassVar[str] = "json_valid"
    needs: ClassVar[tuple[str, ...]] = ("answer_format=json or json_schema",)
    family: ClassVar[str] = "format"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        if item.answer_format != "json" and item.json_schema is None:
            return None
        parsed, _, fenced, error = parse_json_answer(response)
        return EvalScore(
            name=self.name, score=float(parsed), details={"method": "json.loads", "fenced": fenced, "error": error}
        )


class JsonSchemaEvaluator(Evaluator):
    """1 when the answer is JSON that satisfies the item's schema."""

    name: ClassVar[str] = "json_schema"
    needs: ClassVar[tuple[str, ...]] = ("json_schema",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        if item.json_schema is None:
            return None
        import jsonschema  # imported here: ~0.1 s, paid only by datasets with schemas

        parsed, value, fenced, error = parse_json_answer(response)
        if not parsed:
            return EvalScore(name=self.name, score=0.0, details={"reason": f"not JSON: {error}", "fenced": fenced})
        validator = jsonschema.validators.validator_for(item.json_schema)(item.json_schema)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        return EvalScore(
            name=self.name,
            score=float(not errors),
            details={
                "method": "jsonschema validation",
                "fenced": fenced,
                "errors": [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors][
                    :_MAX_ERRORS
                ],
            },
        )
