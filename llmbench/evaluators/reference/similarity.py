"""How close an answer is in meaning to one reference answer: the core of the correctness metric.

``answer_similarity(answer, reference, question)`` in [0, 1], first rule that applies:

1. The SQuAD-normalised texts are equal → 1.
2. Opposite claims → 0: opposite yes/no stances on a yes/no item (:func:`~llmbench.evaluators.facts.implied_stance`:
   "No.", "Yes, you can ...", or a plain restatement of the question with or without a negation); quantities
   that can be compared (same or no unit) and none agrees ("five" vs "more than five", 1926 vs 1936); the same
   proposition, or the same clause, with a named entity swapped on both sides ("born in Lyon" vs "born in
   Marseille", :func:`~llmbench.evaluators.facts.swaps_entity`), or texts that differ only by capitalised
   words ("Sydney is the capital of Australia" vs "Canberra is ..."); clauses about the same thing with
   opposite polarity ("does not stay in your stomach" vs "stays in your stomach"); the same frame with a short
   slot filled differently ("the sun is yellow when viewed from space" vs "the sun is white ...":
   :func:`~llmbench.evaluators.facts.substitutes`).
3. Agreement on what a short answer says: the same yes/no stance → 1 for a bare "No." and
   ``0.75 + 0.25·overlap`` when the answer says more; quantities that agree → ``share · (0.6 + 0.4·overlap)``,
   with ``share`` the part of the reference's comparable quantities the answer states (1969-07-41 against
   1969-07-20 states two of three); all of one text's own words (beyond the question's) found in the other, as a
   short answer inside a long reference or a short reference inside a long answer → ``0.5 + 0.5·overlap``
   (not used against incorrect references: a long answer that mentions "carbon dioxide" as an input does not
   say "photosynthesis produces carbon dioxide").
4. Otherwise ``overlap``: the F1 of the two sets of content-word stems, where words that merely repeat the
   question weigh 0.3 (echoing the question earns little) and all other words weigh 1. When either text is
   made only of function words (a title such as "And There's More"), the SQuAD token F1 of the whole texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmbench.evaluators.facts import TextFacts, contradicts, implied_stance, substitutes, swaps_entity
from llmbench.evaluators.quantities import agree
from llmbench.evaluators.reference.normalize import normalize_answer
from llmbench.evaluators.reference.overlap import token_f1

__all__ = ["CONTRADICTIONS", "ECHO_WEIGHT", "Similarity", "answer_similarity", "content_overlap"]

#: Weight of a content word that the question already contains.
ECHO_WEIGHT = 0.3
_SAME_PROPOSITION = 0.5
#: The rules by which an answer says the opposite of a reference.
CONTRADICTIONS = frozenset({"opposite yes/no", "different number", "swapped entity", "opposite polarity"})


@dataclass(frozen=True)
class Similarity:
    """A similarity score and the rule that produced it."""

    score: float
    rule: str


def content_overlap(answer: TextFacts, reference: TextFacts, question: TextFacts) -> float:
    """Weighted F1 of the content-word stems (question words weigh :data:`ECHO_WEIGHT`)."""
    if not answer.stems or not reference.stems:
        return token_f1(answer.text, reference.text)

    def weight(words: frozenset[str]) -> float:
        return sum(ECHO_WEIGHT if w in question.stems else 1.0 for w in words)

    shared = weight(answer.stems & reference.stems)
    if shared == 0:
        return 0.0
    precision, recall = shared / weight(answer.stems), shared / weight(reference.stems)
    return 2 * precision * recall / (precision + recall)


def _same_proposition(a: TextFacts, b: TextFacts) -> bool:
    smaller = min(len(a.stems), len(b.stems))
    return smaller > 0 and len(a.stems & b.stems) / smaller >= _SAME_PROPOSITION


def _quantities_agree(a: TextFacts, b: TextFacts, tolerances: tuple[float, float]) -> float | None:
    """Share of ``b``'s comparable quantities that some quantity of ``a`` agrees with (a vague "many" never
    confirms one); 0.0 if comparable pairs exist and none agrees; None when nothing can be compared."""
    stated = [q for q in b.quantities if any(agree(x, q, *tolerances) is not None for x in a.quantities)]
    if not stated:
        return None
    verdicts = [[agree(x, q, *tolerances) for x in a.quantities] for q in stated]
    if not any(any(v) for v in verdicts):
        return 0.0
    confirmed = [q for q in stated if any(agree(x, q, *tolerances) and not (x.vague or q.vague) for x in a.quantities)]
    return len(confirmed) / len(stated) if confirmed else None


def _renamed(answer: TextFacts, reference: TextFacts) -> bool:
    """The two texts differ only by capitalised words on both sides: "Sydney is the capital" vs "Canberra is"."""
    only_answer, only_reference = answer.stems - reference.stems, reference.stems - answer.stems
    return (
        bool(only_answer and only_reference)
        and only_answer <= answer.capitalised
        and only_reference <= reference.capitalised
        and bool(answer.stems & reference.stems)
    )


def _contained(answer: TextFacts, reference: TextFacts, question: TextFacts) -> bool:
    own_answer, own_reference = answer.stems - question.stems, reference.stems - question.stems
    return bool(own_answer and own_reference) and (own_answer <= own_reference or own_reference <= own_answer)


def answer_similarity(
    answer: TextFacts,
    reference: TextFacts,
    question: TextFacts,
    *,
    yes_no: bool,
    tolerances: tuple[float, float] = (0.0, 1e-9),
    containment: bool = True,
) -> Similarity:
    """Similarity in meaning of ``answer`` to ``reference`` (rules in the module docstring)."""
    if answer.empty or reference.empty:
        return Similarity(float(answer.empty and reference.empty), "empty")
    if normalize_answer(answer.text) == normalize_answer(reference.text):
        return Similarity(1.0, "same normalised text")
    overlap = content_overlap(answer, reference, question)
    stances = (implied_stance(answer, question), implied_stance(reference, question)) if yes_no else (None, None)
    both_stances = None not in stances
    if both_stances and stances[0] != stances[1]:
        return Similarity(0.0, "opposite yes/no")
    numbers = _quantities_agree(answer, reference, tolerances)
    if numbers == 0.0:
        return Similarity(0.0, "different number")
    same_proposition = _same_proposition(answer, reference)
    swapped = same_proposition and (answer.entities - reference.entities) and (reference.entities - answer.entities)
    renamed = _renamed(answer, reference) or swaps_entity(answer, reference) or swaps_entity(reference, answer)
    if swapped or renamed:
        return Similarity(0.0, "swapped entity")
    if not both_stances and contradicts(answer, reference, ignore=question.stems):
        return Similarity(0.0, "opposite polarity")
    if not both_stances and substitutes(answer, reference, ignore=question.stems):
        return Similarity(0.0, "different answer")
    if both_stances:  # a bare "No." says exactly the stance; more words are judged on their overlap
        return Similarity(1.0 if not answer.stems else 0.75 + 0.25 * overlap, "same yes/no")
    if numbers:
        return Similarity(numbers * (0.6 + 0.4 * overlap), "same number")
    if containment and _contained(answer, reference, question):
        return Similarity(0.5 + 0.5 * overlap, "one contains the other")
    return Similarity(overlap, "content overlap")
