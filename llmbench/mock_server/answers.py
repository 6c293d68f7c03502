"""Deterministic answers and the one token rule every route reports usage with.

The token rule: a token is a run of word characters or a single other non-space character, i.e. one match of
the regex ``\\w+|[^\\w\\s]``. ``"Hello, world!"`` is 4 tokens. Prompt tokens are the sum of ``count_tokens`` over
the text of every message and of the system prompt (roles, names and non-text parts count 0); completion
tokens are ``count_tokens`` of the returned text. Tests assert costs to the token against these numbers.
"""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "TOKEN_PATTERN",
    "answer_for",
    "count_tokens",
    "split_chunks",
    "truncate_tokens",
]

TOKEN_PATTERN = re.compile(r"\w+|[^\w\s]")

_WORD = re.compile(r"[^\W\d_][\w'-]*")
_STOPWORD_TEXT = """
    about above after again also and any are because been before being below between both but can could did
    does doing down during each few for from further had has have having her here hers herself him himself his how
    into its itself just more most myself nor not now off once only other our ours out over own same she should
    some such than that the their theirs them then there these they this those through too under until very was
    were what when where which while who whom why will with would you your yours yourself please tell give write
    explain describe"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_MAX_TOPICS = 6
_CLOSINGS = (
    "It is deterministic, so the same prompt always gets the same reply.",
    "No real model was called to write it.",
    "Every word of it is counted with the shared token rule.",
    "It was generated locally by the llmbench mock server.",
)


def count_tokens(text: str) -> int:
    """Number of tokens of ``text`` under the documented rule (regex ``\\w+|[^\\w\\s]``)."""
    return len(TOKEN_PATTERN.findall(text))


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """The prefix of ``text`` holding exactly ``limit`` tokens, and whether anything was cut."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    matches = list(TOKEN_PATTERN.finditer(text))
    if len(matches) <= limit:
        return text, False
    if limit == 0:
        return "", True
    # Cutting right after a match keeps the count exact: the next character cannot extend a \w+ run.
    return text[: matches[limit - 1].end()], True


def answer_for(model: str, prompt: str) -> str:
    """The reply of ``model`` to ``prompt``: built from the prompt's content words, same input same text."""
    topics: list[str] = []
    for word in _WORD.findall(prompt.lower()):
        word = word.strip("'-")
        if len(word) >= 3 and word not in _STOPWORDS and word not in topics:
            topics.append(word)
        if len(topics) == _MAX_TOPICS:
            break
    if not topics:
        body = "the prompt had no content words, so here is a short reply."
    elif len(topics) == 1:
        body = f"this reply is about {topics[0]}."
    else:
        body = f"this reply is about {', '.join(topics[:-1])} and {topics[-1]}."
    digest = hashlib.sha256(f"{model}\x00{prompt}".encode()).digest()
    closing = _CLOSINGS[digest[0] % len(_CLOSINGS)]
    return f"Mock answer from {model}: {body} {closing}"


def split_chunks(text: str) -> list[str]:
    """Stream pieces (a word with its trailing spaces) whose concatenation is exactly ``text``."""
    pieces = re.findall(r"\s*\S+\s*", text) if text else []
    return pieces if "".join(pieces) == text else [text]
