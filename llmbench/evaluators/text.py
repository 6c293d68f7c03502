"""Words, stems and sentences: the small text toolkit every offline evaluator and the analysis share.

Kept deliberately plain (a regex tokenizer that knows any alphabet, fixed function-word lists, the Snowball
English stemmer) so that every score it feeds can be explained by hand; nothing here downloads a model or a
corpus. Numbers are kept whole ("2,314", "3.6") and number words become digits, so "nine" matches "9".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer

__all__ = [
    "STOPWORDS",
    "content_word_set",
    "content_words",
    "cosine",
    "normalize_word",
    "number_value",
    "split_sentences",
    "stem",
    "term_frequencies",
    "text_similarity",
    "tokenize",
]

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    let lets may might must shall us one ones get gets got make makes made thing things way ways
    please write explain describe give tell briefly brief short answer question following summarize summarise summary
    yes yeah yep nope ok okay sure really quite rather much many lot lots even still however although though
    instead whether either neither yet ever every also well like just since via per etc
    never nothing none nobody nowhere cannot myth misconception untrue false
    whose along away back around almost mostly mainly often usually actually probably perhaps maybe simply
    generally especially particularly roughly approximately exactly nearly precisely typically
    pas jamais rien aucun aucune nicht kein keine keinen nie niemals nichts nunca nada ningún ninguna tampoco
    le la les un une des du de d l et est sont en au aux ce cette ces il elle ils elles on qui que qu dans pour
    par sur avec pas ne se sa son ses leur leurs y a été être oui non
    der die das den dem des ein eine einer eines einem und ist sind war wurde wurden im in zu zum zur von mit
    auf für nicht es er sie wie sich bei aus ja nein
    el los las una unos unas y es son fue en del al con por para que se su sus lo como pero sí muy
"""
#: Function words (English, plus the commonest French, German and Spanish ones) that say nothing about the
#: topic of a text; removed before any overlap is measured. Negations are among them: polarity is measured
#: separately (:mod:`llmbench.evaluators.facts`), never by word overlap.
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(
    rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?"  # 2,314 or 1,200.5
    rf"|\d+(?:\.\d+)?"  # 1926, 3.6
    rf"|[{_CJK}]"  # one CJK character is one token
    rf"|[^\W\d_{_CJK}]+(?:'[^\W\d_{_CJK}]+)*"  # words in any alphabet, inner apostrophes kept (can't)
)
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？])\s+|\n+")

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000,
}  # fmt: skip

_STEMMER = snowballstemmer.stemmer("english")

_IRREGULAR_TEXT = """
    said:say says:say told:tell wore:wear worn:wear ate:eat eaten:eat went:go gone:go saw:see seen:see
    came:come took:take taken:take gave:give given:give found:find thought:think knew:know known:know
    grew:grow grown:grow began:begin begun:begin drank:drink drunk:drink ran:run fell:fall fallen:fall
    felt:feel kept:keep held:hold built:build brought:bring bought:buy caught:catch taught:teach
    wrote:write written:write spoke:speak spoken:speak broke:break broken:break rose:rise risen:rise
    struck:strike stuck:stick won:win sang:sing sung:sing sank:sink sunk:sink flew:fly flown:fly
    drove:drive driven:drive rode:ride ridden:ride led:lead fed:feed met:meet paid:pay sold:sell sent:send spent:spend
    stood:stand lost:lose slept:sleep heard:hear meant:mean died:die dies:die dead:die death:die
    children:child men:man women:woman people:person feet:foot teeth:tooth mice:mouse
"""
#: Irregular forms folded to one word before stemming ("wore" matches "wear", "said" matches "say").
_IRREGULAR: dict[str, str] = dict(pair.split(":") for pair in _IRREGULAR_TEXT.split())


def tokenize(text: str) -> list[str]:
    """Lowercase words and numbers of ``text``, in order, stopwords included (curly apostrophes folded)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def number_value(token: str) -> float | None:
    """The value of a numeric token ("2,314" → 2314.0) or of a number word ("nine" → 9.0); else None."""
    if token[0].isdigit():
        return float(token.replace(",", ""))
    value = _UNITS.get(token)
    return float(value) if value is not None else None


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Snowball English stem, so "digest" matches "digestive" and "married" matches "marry"."""
    return str(_STEMMER.stemWord(word))


def normalize_word(word: str) -> str:
    """A word as it is compared: possessive dropped, numbers and number words as digits, otherwise its stem."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    value = number_value(word) if word else None
    if value is not None:
        return f"{value:g}"
    return stem(_IRREGULAR.get(word, word))


def content_words(text: str) -> list[str]:
    """Normalised words of ``text`` that are not stopwords, in order (repeats kept)."""
    return [
        normalize_word(w)
        for w in tokenize(text)
        if w not in STOPWORDS and w.split("'")[0] not in STOPWORDS and not w.endswith("n't")
    ]


def content_word_set(text: str) -> set[str]:
    """The distinct content words of ``text``."""
    return set(content_words(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after ``.``, ``!``, ``?`` or ``;`` followed by space, and at line breaks."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def term_frequencies(words: Iterable[str]) -> Counter[str]:
    """Bag-of-words counts."""
    return Counter(words)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors; 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(v * large.get(k, 0.0) for k, v in small.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return 0.0 if norm == 0 else min(1.0, max(0.0, dot / norm))


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity of the content-word term-frequency vectors of two texts, in [0, 1]."""
    return cosine(term_frequencies(content_words(a)), term_frequencies(content_words(b)))
