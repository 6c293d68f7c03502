"""A deterministic judge: verdicts computed from a judge request by word overlap, for offline runs and tests.

The simulated provider answers as this judge when a request asks for structured output, and the mock server
does in its judge mode, so tests can predict every verdict. It reads the inputs that the judge prompts of
:mod:`llmbench.evaluators.judge` wrap in tags (``<question>``, ``<answer>``, ``<context>``, ``<references>``,
``<incorrect_answers>``, ``<claims>``, ``<criteria>``, and ``<schema>`` when no schema came with the request)
and fills the schema by its properties. A *content word* is a lower-cased run of letters or digits of at least
three characters (any number counts) that is not a stop word.

* ``claims``: the answer's sentences.
* ``verdicts``: one per numbered claim; supported when every content word of the claim appears in the context.
* ``grade``: "correct" when every content word of some reference appears in the answer, "partially_correct" when
  some do, "incorrect" when none do or the answer shares more words with a known incorrect answer.
* ``statements``: the answer's sentences; relevant when one shares a content word with the question.
* ``score`` (rubric): 1 + round(4 x share of the criteria's content words found in the answer).

Any other schema gets a minimal instance of itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections.abc import Mapping
from typing import Any

from llmbench.errors import ServerError
from llmbench.types import Completion, GenerateRequest, ModelConfig, SimSpec, Usage

__all__ = [
    "GRADES",
    "content_words",
    "judge_completion",
    "overlap_verdict",
    "parse_sections",
    "perturb_verdict",
    "prompt_rng",
    "sentences",
]

#: Grades of the correctness verdict, from best to worst.
GRADES = ("correct", "partially_correct", "incorrect")

_SECTION = re.compile(r"<([a-z_]+)>\n?(.*?)\n?</\1>", re.DOTALL)
_WORD = re.compile(r"[^\W_]+")
_NUMBERED = re.compile(r"^\s*(?:\d+[.)]|-)\s+(.*)$")
_STOP_TEXT = """about above after again also and any are because been before being below between both but can could did
    does doing down during each few for from further had has have having her here hers him his how into its just
    more most now off once only other our out over own same she should some such than that the their
    them then there these they this those through too under until very was were what when where which while who
    whom why will with would you your yours"""
_STOP = frozenset(_STOP_TEXT.split())


def parse_sections(prompt: str) -> dict[str, str]:
    """The tagged inputs of a judge prompt, by tag name (the first occurrence of each)."""
    sections: dict[str, str] = {}
    for match in _SECTION.finditer(prompt):
        sections.setdefault(match.group(1), match.group(2).strip())
    return sections


def content_words(text: str) -> set[str]:
    words = (w.lower() for w in _WORD.findall(text))
    return {w for w in words if (len(w) >= 3 or w.isdigit()) and w not in _STOP}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _listed(block: str) -> list[str]:
    """Items of a numbered or dashed list, one per line."""
    items = []
    for line in block.splitlines():
        match = _NUMBERED.match(line)
        if match and match.group(1).strip():
            items.append(match.group(1).strip())
    return items


def _share(part: set[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _grade(answer: str, references: list[str], incorrect: list[str]) -> tuple[str, str]:
    words = content_words(answer)
    best = max((_share(content_words(r), words) for r in references), default=0.0)
    worst = max((_share(content_words(r), words) for r in incorrect), default=0.0)
    if best == 0.0 or worst > best:
        return "incorrect", f"shares {best:.0%} of the best reference's words and {worst:.0%} of an incorrect one's"
    if best >= 1.0:
        return "correct", "every content word of a reference is in the answer"
    return "partially_correct", f"{best:.0%} of the best reference's content words are in the answer"


def _instance(schema: Mapping[str, Any]) -> Any:
    """A minimal value of a schema the judge does not know."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _instance(sub) for name, sub in properties.items()}
    defaults: dict[str, Any] = {"array": [], "string": "", "boolean": True, "integer": 0, "number": 0.0}
    return defaults.get(kind) if isinstance(kind, str) else None


def overlap_verdict(schema: Mapping[str, Any] | None, prompt: str) -> Any:
    """The verdict of the overlap judge for ``prompt``, shaped by ``schema`` (or the prompt's own ``<schema>``)."""
    sections = parse_sections(prompt)
    if schema is None and "schema" in sections:
        try:
            schema = json.loads(sections["schema"])
        except ValueError:
            schema = None
    properties = set((schema or {}).get("properties") or {})
    answer = sections.get("answer", "")
    if "claims" in properties:
        return {"claims": sentences(answer)}
    if "verdicts" in properties:
        context = content_words(sections.get("context", ""))
        verdicts = []
        for claim in _listed(sections.get("claims", "")):
            missing = sorted(content_words(claim) - context)
            reason = f"not in the context: {', '.join(missing)}" if missing else "every word is in the context"
            verdicts.append({"reason": reason, "supported": not missing})
        return {"verdicts": verdicts}
    if "grade" in properties:
        references = _listed(sections.get("references", ""))
        grade, reason = _grade(answer, references, _listed(sections.get("incorrect_answers", "")))
        return {"reasoning": reason, "grade": grade}
    if "statements" in properties:
        question = content_words(sections.get("question", ""))
        return {
            "statements": [
                {
                    "statement": s,
                    "reason": "shares words with the question",
                    "relevant": bool(content_words(s) & question),
                }
                for s in sentences(answer)
            ]
        }
    if "score" in properties:
        share = _share(content_words(sections.get("criteria", "")), content_words(answer))
        return {"reasoning": f"{share:.0%} of the criteria's words are in the answer", "score": 1 + round(4 * share)}
    return _instance(schema or {"type": "object"})


def prompt_rng(*parts: object) -> random.Random:
    """A random generator seeded by its parts, so the same request always draws the same noise."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def perturb_verdict(verdict: Any, rng: random.Random, rate: float) -> Any:
    """``verdict`` with each judgement changed with probability ``rate``: booleans flip, grades and scores move."""
    if not isinstance(verdict, dict):
        return verdict
    out = dict(verdict)
    for key in ("verdicts", "statements"):
        if isinstance(out.get(key), list):
            flag = "supported" if key == "verdicts" else "relevant"
            out[key] = [{**v, flag: not v[flag]} if rng.random() < rate else v for v in out[key]]
    if out.get("grade") in GRADES and rng.random() < rate:
        index = GRADES.index(out["grade"])
        out["grade"] = GRADES[index + 1] if index == 0 else GRADES[index - 1]
    if isinstance(out.get("score"), int) and rng.random() < rate:
        out["score"] = out["score"] + 1 if out["score"] < 5 else 4
    return out


async def judge_completion(spec: SimSpec, config: ModelConfig, request: GenerateRequest) -> Completion:
    """A simulated model's answer to a judge request: the overlap verdict, wrong on a share 1 - quality of its
    judgements (half of them flipped back by chance), with the model's latency and failure rate."""
    prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    rng = prompt_rng(spec.seed, config.model, "judge", prompt)
    latency = spec.latency_ms * (1 + spec.jitter * (2 * rng.random() - 1))
    fails = rng.random() < spec.failure_rate
    await asyncio.sleep(latency / 1000)
    if fails:
        raise ServerError("simulated failure (HTTP 503)", model=config.identifier, status_code=503)
    schema = request.response_schema.json_schema if request.response_schema else None
    verdict = perturb_verdict(overlap_verdict(schema, prompt), rng, (1 - spec.quality) / 2)
    text = json.dumps(verdict)
    prompt_chars = sum(len(m.content) for m in request.messages)
    return Completion(
        text=text,
        usage=Usage(input_tokens=max(1, round(prompt_chars / 4)), output_tokens=max(1, round(len(text) / 4))),
        latency_ms=latency,
        finish_reason="stop",
        served_model=f"sim/{config.model}",
        simulated=True,
    )
