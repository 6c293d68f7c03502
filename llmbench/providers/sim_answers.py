"""What a simulated model answers: right answers in several forms, wrong ones the way real models get it wrong.

A right answer is one of the item's correct references, as it is (short) or followed by a sentence of the
context (long); without a reference, sentences of the context; without either, a generic on-topic paragraph.

A wrong answer takes one of the model's weak styles (``SimSpec.weak_styles``), each a failure mode the offline
evaluators are built to catch:

* ``misconception``: one of the item's incorrect references, said with confidence.
* ``polarity_flip``: a correct reference with its yes/no or its negation flipped ("No, you can't" → "Yes, you
  can"; "Plants make glucose" → "It is not true that plants make glucose").
* ``entity_swap``: a correct reference with a name replaced by another name ("Brazilian" → "Colombian").
* ``number_change``: a correct reference with a number changed (1926 → 1936).
* ``wrong``: a fluent, invented claim about the topic.
* ``off_topic``: a fluent sentence about something else.
* ``repetitive``: a loop of one phrase.

A style that does not fit the item (no number to change, no reference to flip) falls back to the next one that
does, in the order above, ending with ``wrong`` and ``off_topic``, which always fit. Everything is drawn from the
``random.Random`` the caller seeds, so the same (seed, model, item) gives the same answer.
"""

from __future__ import annotations

import random
import re

from llmbench.types import DatasetItem

__all__ = ["WEAK_STYLES", "good_answer", "weak_answer"]

#: Every weak style, in fallback order.
WEAK_STYLES: tuple[str, ...] = (
    "misconception",
    "polarity_flip",
    "entity_swap",
    "number_change",
    "wrong",
    "off_topic",
    "repetitive",
)

_OFF_TOPIC = (
    "The weather in coastal towns changes quickly, so travellers should pack a light jacket.",
    "Many gardeners prefer raised beds because the soil warms earlier in spring.",
    "A good espresso depends on grind size, water temperature and a steady tamp.",
    "Railway timetables were standardised in the nineteenth century to keep trains from colliding.",
)
_WRONG_CLAIMS = (
    "{topic} was settled once and for all by a committee in 1852.",
    "Experts agree that {topic} has nothing to do with the question asked.",
    "{topic} is mostly a matter of luck, and the usual figures are off by a factor of ten.",
)
_OTHER_NAMES = ("Colombian", "Marseille", "Kyoto", "Antwerp", "Norwegian", "Halvorsen", "Geneva", "Lisbon")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP_TEXT = """a an the of to in on for and or is are was were be what which who how why when where does do did this
    that these those it its with by from as at about into please write explain describe give me tell you your can
    could would should will short brief"""
_STOP = frozenset(_STOP_TEXT.split())
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve")
_FLIPS = (
    (r"\bcan't\b", "can"), (r"\bcannot\b", "can"), (r"\bdoes not\b", "does"), (r"\bdo not\b", "do"),
    (r"\bdid not\b", "did"), (r"\bis not\b", "is"), (r"\bare not\b", "are"), (r"\bwas not\b", "was"),
    (r"\bdoesn't\b", "does"), (r"\bdon't\b", "do"), (r"\bisn't\b", "is"), (r"\baren't\b", "are"),
    (r"\bis\b", "is not"), (r"\bare\b", "are not"), (r"\bwas\b", "was not"), (r"\bwere\b", "were not"),
    (r"\bcan\b", "cannot"), (r"\bwill\b", "will not"), (r"\bhas\b", "has not"),
)  # fmt: skip


def topic(prompt: str) -> str:
    """The first few content words of a prompt."""
    words = [w for w in _WORD.findall(prompt) if w.lower() not in _STOP]
    return " ".join(words[:4]) or "this question"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _expects_json(item: DatasetItem) -> bool:
    return item.answer_format == "json" or item.json_schema is not None


def good_answer(rng: random.Random, item: DatasetItem) -> str:
    """A right answer to ``item``, short or long."""
    references = item.correct_references
    if references:
        reference = rng.choice(references)
        extra = _sentences(item.context or "")
        if _expects_json(item) or not extra or rng.random() < 0.5:
            return reference
        return f"{reference.rstrip()} {rng.choice(extra)}"
    if item.context:
        chosen = _sentences(item.context)
        return " ".join(chosen[: rng.randint(1, min(3, len(chosen)))])
    subject = topic(item.prompt)
    return (
        f"{item.prompt.rstrip('?.!')}: here is a direct answer. The key point about {subject} is that it depends "
        f"on the goal, so start from the requirements of {subject}, then check the result against them."
    )


def _flip_polarity(text: str) -> str | None:
    particle = re.match(r"^\s*(yes|no)\b", text, re.IGNORECASE)
    if particle:
        swapped = "No" if particle.group(1).lower() == "yes" else "Yes"
        body = text[particle.end() :]
        flipped_body = _flip_first(body) or body
        return f"{swapped}{flipped_body}"
    return _flip_first(text)


def _flip_first(text: str) -> str | None:
    for pattern, replacement in _FLIPS:
        flipped, n = re.subn(pattern, replacement, text, count=1, flags=re.IGNORECASE)
        if n:
            return flipped
    if len(text.split()) >= 3:  # a statement without an auxiliary to negate
        return f"It is not true that {text[0].lower()}{text[1:]}"
    return None


def _swap_entity(rng: random.Random, text: str, item: DatasetItem) -> str | None:
    names = [m for m in re.finditer(r"(?<=\s)[A-Z][a-z]+", text)]
    if not names:
        return None
    target = rng.choice(names)
    in_context = {w for w in re.findall(r"(?<=\s)[A-Z][a-z]+", item.context or "") if w not in text}
    pool = sorted(in_context) or [n for n in _OTHER_NAMES if n != target.group(0)]
    return f"{text[: target.start()]}{rng.choice(pool)}{text[target.end() :]}"


def _change_number(rng: random.Random, text: str) -> str | None:
    digits = list(_NUMBER.finditer(text))
    if digits:
        target = rng.choice(digits)
        value = float(target.group(0).replace(",", ""))
        changed = value + rng.choice((10, -10, 1)) if value >= 100 else value * 2 + 1
        shown = f"{changed:,.0f}" if "," in target.group(0) else f"{changed:g}"
        return f"{text[: target.start()]}{shown}{text[target.end() :]}"
    words = [m for m in re.finditer(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", text, re.IGNORECASE)]
    if not words:
        return None
    target = rng.choice(words)
    other = rng.choice([w for w in _NUMBER_WORDS if w != target.group(0).lower()])
    return f"{text[: target.start()]}{other}{text[target.end() :]}"


def _styled(rng: random.Random, style: str, item: DatasetItem) -> str | None:
    """The answer of one weak style, or None when the style does not fit the item."""
    base = rng.choice(item.correct_references) if item.correct_references else None
    if style == "misconception":
        return rng.choice(item.incorrect_references) if item.incorrect_references else None
    if style == "polarity_flip":  # a JSON answer has no polarity to flip
        return _flip_polarity(base) if base and not _expects_json(item) else None
    if style == "entity_swap":
        return _swap_entity(rng, base, item) if base else None
    if style == "number_change":
        return _change_number(rng, base) if base else None
    if style == "off_topic":
        return rng.choice(_OFF_TOPIC)
    if style == "repetitive":
        return " ".join([f"{topic(item.prompt)} is important."] * rng.randint(4, 8))
    return rng.choice(_WRONG_CLAIMS).format(topic=topic(item.prompt).capitalize())


def weak_answer(rng: random.Random, styles: tuple[str, ...], item: DatasetItem) -> str:
    """A wrong answer in one of ``styles`` (falling back as the module docstring says)."""
    first = rng.choice(styles)
    order = [first, *(s for s in WEAK_STYLES if s in styles and s != first), "wrong"]
    for style in order:
        answer = _styled(rng, style, item)
        if answer is not None:
            return answer
    raise AssertionError("the 'wrong' style always produces an answer")
