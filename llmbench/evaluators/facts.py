"""What a text asserts beyond its bag of words: polarity, a yes/no stance, numbers, named entities, refusals.

Word overlap cannot tell "No, you can't marry your cousin in Australia" from "Yes, you can ...", nor "Brazilian"
from "Colombian" in an otherwise copied sentence. These facts are what the offline evaluators compare instead:

* ``negated``: the negation words (no, not, never, nothing, n't, cannot, "a myth", ... and the commonest
  French, German and Spanish ones) of the first sentence, counted without a leading yes/no particle; an odd
  count means negated. Each clause has its own polarity too (``clauses``).
* ``stance``: "yes" or "no" when the text opens with an answer particle ("No, ...", "Yes.", "Oui", "Nein"),
  else None. :func:`implied_stance` reads the stance of a text that restates a yes/no question without one.
* ``quantities``: numbers with their bound and unit (:mod:`.quantities`); ``numbers`` their bare values.
* ``clauses``: the content words and polarity of each clause (split at , ; : and "but", "because", "which"...),
  so that "helmets without horns, or no helmet at all" is two negated clauses, not one double negation.
* ``entities``: stems of capitalised words that are not merely sentence-initial, and of acronyms;
  ``capitalised`` adds sentence-initial subjects ("Sydney is ...", not "Roughly 70"), for comparisons where
  the rest of the text matches.
* ``refusal``: the text declines to answer ("I don't know", "I cannot answer that", "As an AI ...").

Everything is computed once per distinct text (cached), because the same context and references are compared
with every model's answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
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
    "substitutes",
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
    r"(?<!\d)[,:](?!\d)|[;()\u2014]|\s(?:and|but|because|although|though|while|whereas|which|so|yet|mais|car|aber|weil|pero|porque)\s",
    re.IGNORECASE,
)
_SUBJECT_VERBS = frozenset(
    ["is", "was", "are", "were", "has", "have", "had", "will", "can", "could", "would", "lies", "stands", "remains"]
)
_ANTONYM_TEXT = """rise:fall rose:fell risen:fallen increas:decreas grow:shrink grew:shrank higher:lower
    faster:slower larger:smaller bigger:smaller before:after first:last win:lose won:lost safe:danger legal:illeg
    possibl:imposs visibl:invis reliabl:unreli order:unord hot:cold open:close north:south east:west above:below
    insid:outsid earli:later youngest:oldest younger:older minimum:maximum posit:negat accept:reject allow:forbid
    add:remov gain:loss strong:weak heavi:light fast:slow long:short high:low rich:poor true:fals correct:incorrect
    alway:never right:wrong same:differ"""
#: Pairs of stems with opposite meaning: a clause that matches another but for one of these contradicts it.
_ANTONYMS: dict[str, str] = {
    word: other for pair in _ANTONYM_TEXT.split() for word, other in (pair.split(":"), reversed(pair.split(":")))
}

#: A text restates a yes/no question when it covers this share of the question's words and the question
#: makes up this share of the text's words (so "Sharks are immune to cancer because ..." is not a plain "yes").
_RESTATES = 0.5
_MOSTLY_QUESTION = 0.6
_RESTATEMENT_SENTENCES = 2  # a longer text (a loop of "X is important.") is not a plain yes or no
#: Share of the larger clause's words two clauses must share to be about the same thing (:func:`contradicts`).
_CLAUSE_MATCH = 0.65
#: Longest differing span, and the least share of each text the shared frame must be, for :func:`substitutes`.
_SLOT_WORDS = 3
_FRAME_SHARE = 0.5
_COPULAS = frozenset(["is", "are", "was", "were", "be", "been", "being", "'s", "am", "become", "becomes", "became"])
_ARTICLES = frozenset(["a", "an", "the", "its", "their", "his", "her", "your", "our", "my"])


@dataclass(frozen=True)
class Clause:
    """The content words of one clause, the capitalised ones among them, and whether the clause is negated."""

    stems: frozenset[str]
    negated: bool
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TextFacts:
    """The comparable facts of one text (see the module docstring)."""

    text: str
    tokens: tuple[str, ...]
    stems: frozenset[str]
    quantities: tuple[Quantity, ...]
    entities: frozenset[str]
    capitalised: frozenset[str]
    stance: str | None
    negated: bool
    refusal: bool
    clauses: tuple[Clause, ...]
    sequence: tuple[str, ...] = ()

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


def _names(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(entities, capitalised): stems of capitalised words, without and with the merely sentence-initial ones."""
    entities: set[str] = set()
    capitalised: set[str] = set()
    for sentence in split_sentences(text):
        words = _CAPITALISED.findall(sentence.replace("\u2019", "'"))
        for i, word in enumerate(words):
            if not word[0].isupper() or word.lower() in STOPWORDS:
                continue
            stemmed = normalize_word(word.lower())
            acronym = len(word) > 1 and word.isupper()
            following = words[i + 1] if i + 1 < len(words) else ""
            if i > 0 or acronym or following[:1].isupper():  # a sentence-initial word is capitalised by position
                entities.add(stemmed)
                capitalised.add(stemmed)
            elif following.lower() in _SUBJECT_VERBS:  # "Sydney is ...": a sentence-initial subject
                capitalised.add(stemmed)
    return frozenset(entities), frozenset(capitalised)


def _clauses(text: str, names: frozenset[str]) -> tuple[Clause, ...]:
    clauses = []
    for part in (p for sentence in split_sentences(text) for p in _CLAUSE_BREAK.split(sentence)):
        tokens = tokenize(part)
        stems = frozenset(content_words(part))
        if stems:
            clauses.append(Clause(stems, _negations(tokens) % 2 == 1, stems & names))
    return tuple(clauses)


@lru_cache(maxsize=8192)
def analyse(text: str) -> TextFacts:
    """The facts of ``text`` (cached: contexts and references are analysed once, not once per answer)."""
    tokens = tokenize(text)
    stance = _stance(tokens, text)
    sentences = split_sentences(text)
    first = tokenize(sentences[0]) if sentences else []
    body = first[1:] if stance is not None else first  # the stance of an answer is in its first sentence
    entities, capitalised = _names(text)
    return TextFacts(
        text=text,
        tokens=tuple(tokens),
        stems=frozenset(content_words(text)),
        quantities=quantities(tokens),
        entities=entities,
        capitalised=capitalised,
        stance=stance,
        negated=_negations(body) % 2 == 1,
        refusal=bool(_REFUSAL.search(text)),
        clauses=_clauses(text, capitalised),
        sequence=tuple(content_words(text)),
    )


def _antonyms(x: frozenset[str], y: frozenset[str]) -> bool:
    return any(_ANTONYMS.get(word, "") in y for word in x - y)


def _topic_free(x: frozenset[str], y: frozenset[str], ignore: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The two clauses without the question's words when both keep some, else as they are."""
    x_own, y_own = x - ignore, y - ignore
    return (x_own, y_own) if x_own and y_own else (x, y)


def contradicts(a: TextFacts, b: TextFacts, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether some clause of ``a`` has the opposite polarity of the clause of ``b`` it matches best ("does not
    stay" vs "stays"), or holds an antonym of one of its words ("ridership rose" vs "ridership fell").

    A match shares at least two words (or all of a one-word clause) and at least :data:`_CLAUSE_MATCH` of the
    LARGER clause's words, counted without the question's words (``ignore``) when both clauses have others:
    clauses that share only the topic ("You should not wait before filing a report" and "You can make a report
    as soon as you think someone is missing") say different things and cannot contradict, while "It stays in your
    stomach" and "Swallowed gum does not stay in your stomach" match on what they say about the gum."""
    for x in a.clauses:
        best: tuple[int, float] = (0, 0.0)
        opposite = False
        for y in b.clauses:
            xs, ys = _topic_free(x.stems, y.stems, ignore)
            shared = len(xs & ys)
            smaller, larger = sorted((len(xs), len(ys)))
            if shared < min(2, smaller) or shared / larger < _CLAUSE_MATCH:
                continue
            if (shared, shared / larger) > best:
                best, opposite = (shared, shared / larger), (x.negated != y.negated) != _antonyms(x.stems, y.stems)
        if opposite:
            return True
    return False


def _slot_is_complement(facts: TextFacts, start: int, end: int) -> bool:
    """Whether content words ``start:end`` of ``facts.sequence`` end the text or follow a copula ("is the seeds",
    "was yellow"): the place of an answer's value, where a verb in the middle ("are angered by" / "hate") is more
    often a paraphrase than a different claim."""
    if end == len(facts.sequence):
        return True
    position = 0
    for index, token in enumerate(facts.tokens):
        if content_words(token):
            if position == start:
                before = [t for t in facts.tokens[max(0, index - 3) : index] if t not in _ARTICLES]
                return bool(before) and before[-1] in _COPULAS
            position += 1
    return False


def substitutes(a: TextFacts, b: TextFacts, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether ``a`` says what ``b`` says with one short slot filled differently: the same words in the same
    order around a span of at most :data:`_SLOT_WORDS` words that differs on both sides, where the span is the
    answer's value (it ends the text or follows a copula: "The sun is yellow when viewed from space" vs "The sun is
    white when ..."). The frame must be most of each text and the slot must not be words of the question
    (``ignore``): two answers to "what colour is ..." that name different colours disagree, however many words
    they share."""
    left, right = a.sequence, b.sequence
    if len(left) < 2 or len(right) < 2:
        return False
    operations = [op for op in SequenceMatcher(None, left, right, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(operations) != 1 or operations[0][0] != "replace":
        return False
    _, i1, i2, j1, j2 = operations[0]
    slot_a, slot_b = set(left[i1:i2]), set(right[j1:j2])
    if i2 - i1 > _SLOT_WORDS or j2 - j1 > _SLOT_WORDS or slot_a & slot_b or (slot_a | slot_b) <= ignore:
        return False
    frame = len(left) - (i2 - i1)
    if frame < 1 or frame / len(left) < _FRAME_SHARE or frame / len(right) < _FRAME_SHARE:
        return False
    return _slot_is_complement(a, i1, i2) and _slot_is_complement(b, j1, j2)


def swaps_entity(a: TextFacts, b: TextFacts) -> bool:
    """Whether a clause of ``a`` says what a clause of ``b`` says (all its other content words are there) but
    names an entity that clause does not, while that clause names one ``a``'s does not: "was founded in Antwerp
    in 1797" against "was founded in Rotterdam in 1797". Sentence-initial capitals count here, because the rest
    of the clause must match: "Toronto is the capital" against "The capital is Ottawa"."""
    for x in a.clauses:
        predicate = x.stems - x.names
        if not x.names or not predicate:
            continue
        for y in b.clauses:
            if predicate <= y.stems and (x.names - y.stems) and (y.names - x.stems):
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
    if not question.stems or not facts.stems or len(split_sentences(facts.text)) > _RESTATEMENT_SENTENCES:
        return None
    shared = len(facts.stems & question.stems)
    if shared / len(question.stems) < _RESTATES or shared / len(facts.stems) < _MOSTLY_QUESTION:
        return None
    return "no" if facts.negated else "yes"
