"""Answering as a judge: verdicts computed from the request, and the broken verdicts judges really send.

A request is answered as a judge when it carries ``x-mock-judge: <mode>`` (a :class:`JudgeMode` value), when
its model is configured with ``judge = "<mode>"``, or, in ``valid`` mode, when it asks for structured output
(OpenAI ``response_format``, Anthropic ``output_config.format``, Ollama ``format``). The verdict is the
deterministic overlap judge of :mod:`llmbench.providers.sim_judge`, shaped by the schema received (or the
``<schema>`` the prompt quotes). Timeouts come from the usual ``x-mock-fault: timeout``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from llmbench.mock_server.config import JudgeMode, MockModel
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.providers.sim_judge import overlap_verdict, perturb_verdict, prompt_rng

__all__ = ["JUDGE_HEADER", "NOISY_RATE", "judge_mode", "judge_text"]

JUDGE_HEADER = "x-mock-judge"
#: Share of judgements a noisy judge changes.
NOISY_RATE = 0.5
_OFF_SCHEMA = {"verdict": "looks fine to me", "confidence": "high"}


def judge_mode(request: web.Request, model: MockModel, schema: dict[str, Any] | None) -> JudgeMode | None:
    """The judge mode of this request, or None for an ordinary answer."""
    raw = request.headers.get(JUDGE_HEADER)
    if raw:
        try:
            return JudgeMode(raw.strip().lower())
        except ValueError:
            modes = ", ".join(m.value for m in JudgeMode)
            raise Problem(
                ProblemKind.BAD_REQUEST, f"{JUDGE_HEADER}: unknown mode {raw!r}; expected one of {modes}"
            ) from None
    if model.judge is not None:
        return model.judge
    return JudgeMode.VALID if schema is not None else None


def judge_text(mode: JudgeMode, schema: dict[str, Any] | None, prompt: str) -> str:
    """The judge's reply text in ``mode``."""
    if mode is JudgeMode.OFF_SCHEMA:
        return json.dumps(_OFF_SCHEMA)
    verdict = overlap_verdict(schema, prompt)
    if mode is JudgeMode.NOISY:
        verdict = perturb_verdict(verdict, prompt_rng("mock-judge", prompt), NOISY_RATE)
    text = json.dumps(verdict)
    if mode is JudgeMode.MALFORMED:
        return text[: max(1, len(text) // 2)]
    return text
