"""Numbers as an answer states them: a value, an optional unit and a bound ("more than five", "about 70 °C").

Comparing bare values is not enough: "five" does not answer "many more than five senses", "about eight seconds"
is not "about eight minutes", and "roughly 71 degrees" does agree with "about 70 degrees". So each number keeps:

* ``value``: digits ("2,314", "3.6"), number words ("nine", "twenty one") and multipliers ("1.2 million").
* ``bound``: ``>`` after "more than", "over"...; ``>=`` after "at least" or before "or more"; ``<`` after
  "less than", "under"...; ``<=`` after "up to", "at most"; ``~`` after "about", "roughly", "nearly"...;
  else ``=``.
* ``unit``: the following word when it is a known unit (seconds, minutes, metres, km, degrees, years...),
  folded to one spelling ("square kilometre" is its own unit); numbers with two different known units are
  not compared at all. A number word after "the", "these" or "both" ("when the two line up") is not a count;
  "many", "several", "multiple" before a noun are "more than one" ("many threads" disagrees with "one thread").

:func:`agree` says whether two quantities agree (None when they cannot be compared); an approximate one
(``~``) is allowed 10 % either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmbench.evaluators.text import STOPWORDS, number_value

__all__ = ["APPROXIMATE", "Quantity", "agree", "numbers_match", "quantities"]

#: Relative slack of an approximate quantity ("about 70" agrees with 63–77).
APPROXIMATE = 0.1

_GREATER = (("more", "than"), ("greater", "than"), ("over",), ("above",), ("beyond",), ("exceeding",))
_AT_LEAST = (("at", "least"), ("no", "fewer", "than"), ("no", "less", "than"))
_LESS = (("less", "than"), ("fewer", "than"), ("under",), ("below",))
_AT_MOST = (("at", "most"), ("up", "to"), ("no", "more", "than"))
_ABOUT = (("about",), ("around",), ("roughly",), ("approximately",), ("nearly",), ("almost",), ("some",), ("circa",))
_UNIT_TEXT = {
    "second": "second seconds sec secs s sekunden secondes segundos",
    "minute": "minute minutes min mins minuten minutos",
    "hour": "hour hours h hr hrs stunden heures horas",
    "day": "day days tage jours días",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs jahre ans años",
    "decade": "decade decades",
    "century": "century centuries",
    "metre": "metre metres meter meters m meter mètres metros",
    "kilometre": "kilometre kilometres kilometer kilometers km kilometer kilomètres kilómetros",
    "centimetre": "centimetre centimetres centimeter centimeters cm",
    "millimetre": "millimetre millimetres millimeter millimeters mm",
    "mile": "mile miles",
    "foot": "foot feet ft",
    "inch": "inch inches in",
    "kilogram": "kilogram kilograms kg kilo kilos",
    "gram": "gram grams g",
    "pound": "pound pounds lb lbs",
    "tonne": "tonne tonnes ton tons",
    "degree": "degree degrees c f celsius fahrenheit grad degrés grados",
    "percent": "percent per_cent prozent pourcent",
}
_UNITS = {spelling: unit for unit, text in _UNIT_TEXT.items() for spelling in text.split()}
_UNITS.pop("in")  # "in 1926" is a preposition far more often than inches
_AREA = frozenset({"square", "cubic", "sq"})


@dataclass(frozen=True)
class Quantity:
    """A stated number: its value, its bound (=, >, >=, <, <=, ~) and its unit (None when none is known)."""

    value: float
    bound: str = "="
    unit: str | None = None
    vague: bool = False  # "many", "several": can contradict a count, never confirm one


def numbers_match(a: float, b: float, absolute: float = 0.0, relative: float = 1e-9) -> bool:
    """Whether two values agree within an absolute or a relative tolerance (whichever is wider)."""
    return abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))


def _bound(tokens: list[str], start: int) -> str:
    for bound, phrases in ((">=", _AT_LEAST), ("<=", _AT_MOST), (">", _GREATER), ("<", _LESS), ("~", _ABOUT)):
        for phrase in phrases:
            n = len(phrase)
            if start >= n and tuple(tokens[start - n : start]) == phrase:
                return bound
    return "="


def _after(tokens: list[str], end: int) -> tuple[str | None, bool]:
    """(unit, open-ended) from the words after a number: "8 minutes", "five or more", "300 plus"."""
    following = tokens[end] if end < len(tokens) else ""
    open_ended = following == "plus" or tokens[end : end + 2] == ["or", "more"]
    if following in _AREA and end + 1 < len(tokens) and tokens[end + 1] in _UNITS:
        return f"{following} {_UNITS[tokens[end + 1]]}", open_ended
    return _UNITS.get(following), open_ended


_NOT_A_COUNT_AFTER = frozenset(
    [
        "of",
        "another",
        "day",
        "way",
        "who",
        "that",
        "which",
        "thing",
        "can",
        "could",
        "might",
        "must",
        "should",
        "would",
        "will",
    ]
)
_NOT_A_COUNT_BEFORE = frozenset(
    ["no", "any", "some", "every", "each", "the", "this", "that", "which", "someone", "anyone"]
)
_DETERMINERS = frozenset(["the", "these", "those", "both", "all"])
_VAGUE_PLURAL = frozenset(["many", "several", "multiple", "numerous"])


def _is_count(tokens: list[str], i: int) -> bool:
    """False for "one" as a pronoun ("no one", "one of the") and "the two" as a reference to things before."""
    token = tokens[i]
    before = tokens[i - 1] if i > 0 else ""
    if not token[0].isdigit() and before in _DETERMINERS:
        return False
    if token != "one":
        return True
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    return after not in _NOT_A_COUNT_AFTER and before not in _NOT_A_COUNT_BEFORE


def _merge(pending: float, token: str, value: float) -> float | None:
    """``pending`` combined with the next number word ("1.2" + "million", "twenty" + "one"), or None."""
    if value in (100.0, 1000.0, 1e6, 1e9) and pending < value:
        return pending * value
    if pending >= 20 and pending % 10 == 0 and value < 10 and not token[0].isdigit():
        return pending + value
    return None


def _plural(tokens: list[str], i: int) -> bool:
    """ "many threads", "several cores": a vague count of more than one, followed by what is counted."""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    before = tokens[i - 1] if i > 0 else ""
    return tokens[i] in _VAGUE_PLURAL and before != "how" and after.isalpha() and after not in STOPWORDS


def quantities(tokens: list[str]) -> tuple[Quantity, ...]:
    """The quantities stated in a token list (see :func:`llmbench.evaluators.text.tokenize`)."""
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        if _plural(tokens, i):
            found.append(Quantity(1.0, ">", vague=True))
            i += 1
            continue
        value = number_value(tokens[i]) if _is_count(tokens, i) else None
        if value is None:
            i += 1
            continue
        start, end = i, i + 1
        while end < len(tokens) and (nxt := number_value(tokens[end])) is not None:
            merged = _merge(value, tokens[end], nxt)
            if merged is None:
                break
            value, end = merged, end + 1
        unit, open_ended = _after(tokens, end)
        bound = ">" if open_ended else _bound(tokens, start)
        found.append(Quantity(value, bound, unit))
        i = end
    return tuple(found)


def _satisfies(value: float, bound: str, limit: float, absolute: float, relative: float, approximate: bool) -> bool:
    """Whether ``value`` lies within "``bound`` ``limit``" (``>`` more than, ``>=`` at least...)."""
    if numbers_match(value, limit, absolute, relative):
        return bound in (">=", "<=") or approximate  # "five" is "at least five" but not "more than five"
    return value > limit if bound.startswith(">") else value < limit


def agree(a: Quantity, b: Quantity, absolute: float = 0.0, relative: float = 1e-9) -> bool | None:
    """Whether ``a`` is consistent with ``b``; None when their units differ (nothing to compare)."""
    if a.unit and b.unit and a.unit != b.unit:
        return None
    if "~" in (a.bound, b.bound):
        relative = max(relative, APPROXIMATE)
    a_range, b_range = a.bound[0] in "<>", b.bound[0] in "<>"
    if a_range and b_range:
        return a.bound[0] == b.bound[0]
    if a_range or b_range:
        ranged, point = (a, b) if a_range else (b, a)
        return _satisfies(point.value, ranged.bound, ranged.value, absolute, relative, point.bound == "~")
    return numbers_match(a.value, b.value, absolute, relative)
