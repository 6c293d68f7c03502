"""What a text asserts beyond its bag of words: polarity, a yes/no stance, numbers, named entities, refusals.

Word overlap cannot tell "No, you can't marry your cousin in Australia" from "Yes, you can ...", nor "Brazilian"
from "Colombian" in an otherwise copied sentence. These facts are what the offline evaluators compare instead:

* ``negated``: the text's negation words (no, not, never, nothing, n't, cannot, "a myth", ... and the commonest
  French, German and Spanish ones) counted without a leading yes/no particle; an odd count means negated.
* ``stance``: "yes" or "no" when the text opens with an answer particle ("No, ...", "Yes.", "Oui", "Nein"),
  else None. :func:`implied_stance` reads the stance of a text that restates a yes/no question without one.
* ``quantities``: numbers with their bound and unit (:mod:`.quantities`); ``numbers`` their bare values.
* ``clauses``: the content words and polarity of each clause (split at , ; : and "but", "because", "which"...),
  so that "helmets without horns, or no helmet at all" is two negated clauses, not one double negation.
* ``entities``: stems of capitalised words that are not merely sentence-initial, and of acronyms.
* ``refusal``: the text declines to answer ("I don't know", "I cannot answer that", "As an AI ...").

Everything is computed once per distinct text (cached), because the same context and references are compared
with every model's answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from llmbench.evaluators.quantities import Quantity, numbers_match, quantities
from llmbench.evaluators.text import STOPWORDS, content_words, normalize_word, split_sentences, tokenize

__all__ = [
    "NEGATIONS",
    "Clause",
    "TextFacts",
    "analyse",
    "contradicts",
    "implied_stance",
    "is_yes_no_question",
    "numbers_match",
    "swaps_entity",
]

#: Words that negate what follows (or deny what precedes: "that is a myth").
NEGATIONS: frozenset[str] = frozenset(
    [
        "no",
        "not",
        "never",
        "nothing",
        "none",
        "nobody",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "without",
        "myth",
        "misconception",
        "untrue",
        "false",
        "pas",
        "jamais",
        "rien",
        "aucun",
        "aucune",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "nie",
        "niemals",
        "nichts",
        "nunca",
        "nada",
        "ningún",
        "ninguna",
        "tampoco",
    ]
)
# Negative concord: "no ... nada", "ne ... rien" negate once, so these count only when nothing negated before them.
_CONCORD = frozenset(
    ["nothing", "nada", "nunca", "nadie", "ningún", "ninguna", "tampoco", "rien", "jamais", "aucun", "aucune"]
)
_YES = frozenset(["yes", "yeah", "yep", "yup", "sure", "correct", "true", "indeed", "oui", "ja", "sí", "si"])
_NO = frozenset(["no", "nope", "false", "incorrect", "non", "nein"])
_PARTICLE_FOLLOWERS = frozenset(["it", "they", "you", "he", "she", "we", "i", "there", "that", "this"])
_AUXILIARIES = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "am",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "has",
        "have",
        "had",
        "may",
        "might",
        "must",
        "est-ce",
        "ist",
        "sind",
        "kann",
        "können",
        "war",
    ]
)
_REFUSAL = re.compile(
    r"\b(i\s+(?:do\s+not|don't|dont|cannot|can't|can\s*not|am\s+not\s+able\s+to|am\s+unable\s+to|'m\s+unable\s+to"
    r"|'m\s+not\s+able\s+to|have\s+no\s+(?:idea|way)|am\s+not\s+sure|'m\s+not\s+sure)"
    r"(?:\s+\w+){0,3}?\s*(?:know|answer|help|say|tell|sure|comment|provide|information|idea|way)"
    r"|i\s+have\s+no\s+comment|no\s+comment|as\s+an\s+ai\b|not\s+(?:available|able)\s+to\s+me"
    r"|there\s+is\s+no\s+way\s+to\s+know|not\s+enough\s+information|unable\s+to\s+help|i'm\s+sorry,?\s+but"
    r"|weiß\s+ich\s+(?:leider\s+)?nicht|je\s+ne\s+sais\s+pas|no\s+lo\s+sé|no\s+sé)",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d[\d,.]*")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\u2014]|\s(?:and|but|because|although|though|while|whereas|which|so|yet|mais|car|aber|weil|pero|porque)\s",
    re.IGNORECASE,
)
#: A text restates a yes/no question when it covers this share of the question's words and the question
#: makes up this share of the text's words (so "Sharks are immune to cancer because ..." is not a plain "yes").
_RESTATES = 0.5
_MOSTLY_QUESTION = 0.6


@dataclass(frozen=True)
class Clause:
    """The content words of one clause, the named entities among them, and whether the clause is negated."""

    stems: frozenset[str]
    negated: bool
    entities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TextFacts:
    """The comparable facts of one text (see the module docstring)."""

    text: str
    tokens: tuple[str, ...]
    stems: frozenset[str]
    quantities: tuple[Quantity, ...]
    entities: frozenset[str]
    stance: str | None
    negated: bool
    refusal: bool
    clauses: tuple[Clause, ...]

    @property
    def empty(self) -> bool:
        return not self.tokens

    @property
    def numbers(self) -> tuple[float, ...]:
        return tuple(q.value for q in self.quantities)


def _stance(tokens: list[str], text: str) -> str | None:
    if not tokens or tokens[0] not in _YES | _NO:
        return None
    first = tokens[0]
    rest = text.lstrip(" \t\n¡¿\"'(").lower()[len(first) :]
    followed_by_mark = not rest.strip() or rest[:1] in ",.!;:—-)"
    followed_by_pronoun = len(tokens) > 1 and tokens[1] in _PARTICLE_FOLLOWERS
    if not (followed_by_mark or followed_by_pronoun):
        return None  # "No one knows", "Sure enough": not an answer particle
    return "yes" if first in _YES else "no"


def _negations(tokens: list[str]) -> int:
    count = 0
    for token in tokens:
        if token in _CONCORD and count:
            continue
        if token in NEGATIONS or token.endswith("n't"):
            count += 1
    return count


def _entities(text: str) -> frozenset[str]:
    found: set[str] = set()
    for sentence in split_sentences(text):
        words = _CAPITALISED.findall(sentence.replace("\u2019", "'"))
        for i, word in enumerate(words):
            if not word[0].isupper() or word.lower() in STOPWORDS:
                continue
            acronym = len(word) > 1 and word.isupper()
            follows_capital = i + 1 < len(words) and words[i + 1][:1].isupper()
            if i > 0 or acronym or follows_capital:  # a sentence-initial word is only capitalised by position
                found.add(normalize_word(word.lower()))
    return frozenset(found)


def _clauses(text: str, entities: frozenset[str]) -> tuple[Clause, ...]:
    clauses = []
    for part in _CLAUSE_BREAK.split(text):
        tokens = tokenize(part)
        stems = frozenset(content_words(part))
        if stems:
            clauses.append(Clause(stems, _negations(tokens) % 2 == 1, stems & entities))
    return tuple(clauses)


@lru_cache(maxsize=8192)
def analyse(text: str) -> TextFacts:
    """The facts of ``text`` (cached: contexts and references are analysed once, not once per answer)."""
    tokens = tokenize(text)
    stance = _stance(tokens, text)
    body = tokens[1:] if stance is not None else tokens
    entities = _entities(text)
    return TextFacts(
        text=text,
        tokens=tuple(tokens),
        stems=frozenset(content_words(text)),
        quantities=quantities(tokens),
        entities=entities,
        stance=stance,
        negated=_negations(body) % 2 == 1,
        refusal=bool(_REFUSAL.search(text)),
        clauses=_clauses(text, entities),
    )


def contradicts(a: TextFacts, b: TextFacts) -> bool:
    """Whether the clauses of ``a`` and ``b`` that share most words (at least two, or all of a one-word clause,
    and at least half of the smaller clause) have opposite polarity: "does not stay" vs "stays"."""
    best: tuple[int, float] = (0, 0.0)
    opposite = False
    for x in a.clauses:
        for y in b.clauses:
            shared = len(x.stems & y.stems)
            smaller = min(len(x.stems), len(y.stems))
            if shared < min(2, smaller) or shared / smaller < 0.5:
                continue
            if (shared, shared / smaller) > best:
                best, opposite = (shared, shared / smaller), x.negated != y.negated
    return opposite


def swaps_entity(a: TextFacts, b: TextFacts) -> bool:
    """Whether a clause of ``a`` says what a clause of ``b`` says (all its other content words are there) but
    names an entity that clause does not, while that clause names one ``a``'s does not: "was founded in Antwerp
    in 1797" against "was founded in Rotterdam in 1797"."""
    for x in a.clauses:
        predicate = x.stems - x.entities
        if not x.entities or not predicate:
            continue
        for y in b.clauses:
            if predicate <= y.stems and (x.entities - y.stems) and (y.entities - x.stems):
                return True
    return False


def is_yes_no_question(question: str) -> bool:
    """A question answered by yes or no: it opens with an auxiliary verb ("Is", "Can", "Do", "Est-ce que")."""
    tokens = tokenize(question.lstrip("¿¡ "))
    return bool(tokens) and (tokens[0] in _AUXILIARIES or question.lower().startswith("est-ce"))


def implied_stance(facts: TextFacts, question: TextFacts) -> str | None:
    """The yes/no a text gives to ``question``: its particle, or, when it restates the question's proposition
    (half of the question's content words, making up most of its own), "no" if negated, "yes" if not."""
    if facts.stance is not None:
        return facts.stance
    if not question.stems or not facts.stems:
        return None
    shared = len(facts.stems & question.stems)
    if shared / len(question.stems) < _RESTATES or shared / len(facts.stems) < _MOSTLY_QUESTION:
        return None
    return "no" if facts.negated else "yes"
