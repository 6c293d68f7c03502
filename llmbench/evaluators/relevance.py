"""Relevance: does the response address the question, rather than drift, echo it or decline it?

Definition (offline, no model call). The *topic* is the content-word stems (see :mod:`.text`) of the prompt,
the context and the correct references; A is the set of the answer's content stems.

* Empty answer → 0.
* A refusal ("I don't know", "I cannot answer that") → 0 when the item gives the means to answer (a context or
  a reference). Without either, a refusal cannot be told from an honest "that is unknowable" and is scored
  like any other answer.
* An echo, which only restates the question (A within the question's words, ≥ 80 % of all its words, function
  words included, taken from the question, no yes/no, negation or number of its own, and either ≥ 3 content
  words or ≥ 90 % of the question's) → 0: echoing the question earns nothing.
  Restating a yes/no question is an answer ("Cracking your knuckles causes arthritis"), not an echo.
* An off-topic answer → 0: it has ≥ 4 content words and shares none with the topic, on an item with a context
  or a reference. A question alone is too small a topic to tell (a right answer often uses none of its words:
  "It passes through your digestive system" to "What happens if you swallow gum?"), so without a context or
  reference no answer is called off-topic.
* Otherwise 1. An answer of 1–3 content words ("Delhi", "No.", "And There's More") is never off-topic: too short
  to be judged by vocabulary, it is judged on what it says by correctness and faithfulness instead.

There is no reward for repeating the question's words and no penalty for being short: length says nothing here.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import TextFacts, analyse, is_yes_no_question
from llmbench.evaluators.text import normalize_word
from llmbench.types import DatasetItem, EvalScore

__all__ = ["RelevanceEvaluator"]

_SHORT_ANSWER = 3
_ECHO_COVERAGE = 0.9
_ECHO_WORDS = 3
_ECHO_TOKENS = 0.8


def _is_echo(answer: TextFacts, question: TextFacts, yes_no: bool) -> bool:
    if yes_no or not answer.stems or not question.stems or answer.stance or answer.negated or answer.numbers:
        return False
    large = len(answer.stems) >= _ECHO_WORDS or len(answer.stems) / len(question.stems) >= _ECHO_COVERAGE
    if not (large and answer.stems <= question.stems):
        return False
    # Function words can carry the answer ("Einstein did very well in mathematics"): count every word.
    asked = {normalize_word(t) for t in question.tokens}
    return sum(normalize_word(t) in asked for t in answer.tokens) / len(answer.tokens) >= _ECHO_TOKENS


class RelevanceEvaluator(Evaluator):
    """On topic, not an echo of the question, not a refusal when the answer was available."""

    name: ClassVar[str] = "relevance"
    uses: ClassVar[tuple[str, ...]] = ("context", "reference")
    family: ClassVar[str] = "grounding"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        answer = analyse(response)
        question = analyse(item.prompt)
        sources = [t for t in (item.context, *item.correct_references) if t]
        topic = frozenset().union(question.stems, *(analyse(t).stems for t in sources))
        details: dict[str, object] = {
            "method": "0 when empty, off-topic, an echo of the question or a needless refusal"
        }
        if answer.empty:
            return EvalScore(name=self.name, score=0.0, details={**details, "reason": "empty response"})
        if answer.refusal and sources:
            return EvalScore(
                name=self.name, score=0.0, details={**details, "reason": "refusal; the item had the answer"}
            )
        if _is_echo(answer, question, is_yes_no_question(item.prompt)):
            return EvalScore(name=self.name, score=0.0, details={**details, "reason": "only restates the question"})
        shared = answer.stems & topic
        off_topic = bool(sources) and len(answer.stems) > _SHORT_ANSWER and not shared
        score = 0.0 if off_topic else 1.0
        reason = "off-topic: no word in common with the question or its sources" if off_topic else None
        details.update(shared_topic_words=sorted(shared)[:20], n_answer_words=len(answer.stems), reason=reason)
        return EvalScore(name=self.name, score=score, details=details)
