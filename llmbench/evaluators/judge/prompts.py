"""The judge prompts: versioned constants, each with the JSON schema and verdict type of its answer.

A prompt's ``name`` and ``version`` go into every verdict's details, with a fingerprint of its text and schema;
changing either means a new version (a test pins the fingerprint of each). Inputs are wrapped in tags
(``<answer>...</answer>``) so the judge, and the deterministic judges of the simulator and the mock server, can
tell them apart; a tag of ours inside an input is escaped so an answer cannot close its own section. The prompt
ends with the schema, so a judge without native structured output still knows the format.

Their structure follows the known designs, in our own words: claims extracted from the answer and each checked
against the context (RAGAS and DeepEval faithfulness); a graded comparison with the reference (inspect_ai
``model_graded_qa``, with partial credit); statement-level relevance (DeepEval answer relevancy); a 1-5 score
against user-written criteria with optional evaluation steps (G-Eval, promptfoo ``llm-rubric``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic

from llmbench.evaluators.judge.verdicts import (
    ClaimChecks,
    Claims,
    CorrectnessVerdict,
    RelevanceVerdict,
    RubricVerdict,
    V,
)
from llmbench.types import ChatMessage, ResponseSchema

__all__ = [
    "CORRECTNESS",
    "FAITHFULNESS_CLAIMS",
    "FAITHFULNESS_VERDICTS",
    "JUDGE_SYSTEM",
    "PROMPTS",
    "RELEVANCE",
    "RUBRIC",
    "TAGS",
    "JudgePrompt",
    "bulleted",
    "numbered",
]

JUDGE_SYSTEM = (
    "You evaluate answers written by AI systems. Follow the instructions exactly, judge only what they ask, "
    "and reply with one JSON object and nothing else."
)
#: Every input tag a prompt may use, in the order they appear.
TAGS = ("criteria", "steps", "question", "context", "references", "incorrect_answers", "answer", "claims")
_OWN_TAG = re.compile(r"</?(?:" + "|".join(TAGS) + r"|schema)>")


def _object(**properties: Any) -> dict[str, Any]:
    """A strict-dialect object schema: every property required, nothing else allowed."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


_STRING = {"type": "string"}
_BOOLEAN = {"type": "boolean"}


@dataclass(frozen=True)
class JudgePrompt(Generic[V]):
    """One versioned judge prompt: instructions, the inputs it shows, and the verdict it expects back."""

    name: str
    version: str
    instructions: str
    inputs: tuple[str, ...]
    verdict: type[V]
    json_schema: dict[str, Any] = field(hash=False)

    @property
    def schema(self) -> ResponseSchema:
        return ResponseSchema(name=self.name.replace(".", "_"), json_schema=self.json_schema)

    @property
    def fingerprint(self) -> str:
        """First 12 hex digits of the SHA-256 of the system prompt, instructions and schema."""
        text = "\n".join([JUDGE_SYSTEM, self.instructions, json.dumps(self.json_schema, sort_keys=True)])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def ref(self) -> dict[str, str]:
        """How verdict details name this prompt."""
        return {"name": self.name, "version": self.version, "fingerprint": self.fingerprint}

    def render(self, values: Mapping[str, str], *, repeat: int = 1, repeats: int = 1) -> list[ChatMessage]:
        """The chat messages asking for one verdict on ``values`` (inputs absent from ``values`` are left out)."""
        sections = [f"<{tag}>\n{_escape(values[tag])}\n</{tag}>" for tag in self.inputs if values.get(tag)]
        schema = json.dumps(self.json_schema, separators=(",", ":"))
        parts = [
            self.instructions,
            "\n".join(sections),
            "Reply with one JSON object, and nothing else, that follows this JSON schema:\n"
            f"<schema>\n{schema}\n</schema>",
        ]
        if repeats > 1:
            # Each repeat is a distinct request, so no cache or deterministic server answers all repeats at once.
            parts.append(f"(Evaluation {repeat} of {repeats}.)")
        return [ChatMessage(role="system", content=JUDGE_SYSTEM), ChatMessage(role="user", content="\n\n".join(parts))]


def _escape(value: str) -> str:
    return _OWN_TAG.sub(lambda m: m.group(0).replace("<", "&lt;"), value.strip())


def numbered(lines: list[str]) -> str:
    """One item per line as ``1. ...``, each flattened to one line so the list stays unambiguous."""
    return "\n".join(f"{i}. {' '.join(line.split())}" for i, line in enumerate(lines, 1))


def bulleted(lines: list[str]) -> str:
    """One item per line as ``- ...``, each flattened to one line."""
    return "\n".join(f"- {' '.join(line.split())}" for line in lines)


FAITHFULNESS_CLAIMS: JudgePrompt[Claims] = JudgePrompt(
    name="judge_faithfulness.claims",
    version="1",
    instructions=(
        "Break the answer below into the claims it makes. A claim is one short statement of fact that can be "
        "checked on its own: replace pronouns with what they refer to, and keep every name, number, date and "
        "negation exactly as the answer states it. Leave out greetings, hedges, opinions about the question and "
        "questions back to the user. An answer that states no fact (a refusal, 'I don't know') has no claims: "
        "return an empty list. The question is shown only to make the answer understandable; do not judge it."
    ),
    inputs=("question", "answer"),
    verdict=Claims,
    json_schema=_object(claims={"type": "array", "items": _STRING}),
)

FAITHFULNESS_VERDICTS: JudgePrompt[ClaimChecks] = JudgePrompt(
    name="judge_faithfulness.verdicts",
    version="1",
    instructions=(
        "For each numbered claim, decide whether the context supports it. A claim is supported only when the "
        "context states it or it follows directly from what the context states. It is not supported when the "
        "context contradicts it, says nothing about it, or differs from it in a name, number, date, quantity or "
        "negation. Use only the context, never your own knowledge. Give exactly one verdict per claim, in the "
        "order of the claims, each with a one-sentence reason written before the verdict."
    ),
    inputs=("context", "claims"),
    verdict=ClaimChecks,
    json_schema=_object(verdicts={"type": "array", "items": _object(reason=_STRING, supported=_BOOLEAN)}),
)

CORRECTNESS: JudgePrompt[CorrectnessVerdict] = JudgePrompt(
    name="judge_correctness",
    version="1",
    instructions=(
        "Grade whether the answer to the question is correct. The reference answers are correct; judge the "
        "answer against them by meaning, not wording: a paraphrase, or a shorter or longer answer stating the "
        "same facts, is correct. A different fact, a flipped yes/no or negation, or a wrong name, number or date "
        "makes it incorrect. Extra content is acceptable unless it contradicts a reference. When known incorrect "
        "answers are listed, an answer that agrees with one of them is incorrect. Grades: 'correct' when the "
        "answer agrees with a reference on everything the question asks; 'partially_correct' when part of it is "
        "right and part is missing or wrong; 'incorrect' when it is wrong, contradicts the references or does "
        "not answer. Write your reasoning, at most three sentences, before the grade."
    ),
    inputs=("question", "references", "incorrect_answers", "answer"),
    verdict=CorrectnessVerdict,
    json_schema=_object(
        reasoning=_STRING, grade={"type": "string", "enum": ["correct", "partially_correct", "incorrect"]}
    ),
)

RELEVANCE: JudgePrompt[RelevanceVerdict] = JudgePrompt(
    name="judge_relevance",
    version="1",
    instructions=(
        "Split the answer into its statements and decide, for each, whether it helps answer the question. A "
        "statement is relevant when it answers the question or gives information the question asks for, even "
        "if it is wrong: judge relevance, not truth. It is not relevant when it is off topic, filler, a "
        "restatement of the question that answers nothing, or a refusal. List every statement of the answer "
        "in order, each with a one-sentence reason written before the verdict."
    ),
    inputs=("question", "answer"),
    verdict=RelevanceVerdict,
    json_schema=_object(
        statements={"type": "array", "items": _object(statement=_STRING, reason=_STRING, relevant=_BOOLEAN)}
    ),
)

RUBRIC: JudgePrompt[RubricVerdict] = JudgePrompt(
    name="judge_rubric",
    version="1",
    instructions=(
        "Evaluate the answer against the criteria. When evaluation steps are given, follow them in order. "
        "Judge only what the criteria ask; the question, and the context or reference when shown, are there to "
        "understand the answer. Score from 1 to 5: 1 when the answer does not meet the criteria at all, 2 when "
        "it meets a small part of them, 3 when it meets about half, 4 when it meets most with minor gaps, 5 when "
        "it fully meets them. Write your reasoning, at most three sentences, before the score."
    ),
    inputs=("criteria", "steps", "question", "context", "references", "answer"),
    verdict=RubricVerdict,
    json_schema=_object(reasoning=_STRING, score={"type": "integer", "enum": [1, 2, 3, 4, 5]}),
)

#: Every judge prompt, by name.
PROMPTS: dict[str, JudgePrompt[Any]] = {
    p.name: p for p in (FAITHFULNESS_CLAIMS, FAITHFULNESS_VERDICTS, CORRECTNESS, RELEVANCE, RUBRIC)
}
