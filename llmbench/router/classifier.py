"""Which task type a prompt asks for, from weighted cues matched on whole words.

The prompt is split into lower-case words, so "show" never matches "how" and "decode" never matches "code".
Each cue (one to four words) adds its weight to one or more task types; a few patterns catch what words cannot
(arithmetic, code, error names). The highest total wins, ties going to the earlier type in ``_PRIORITY``; below
``_MIN_SCORE`` the prompt is ``general``. Only the first ``_MAX_WORDS`` words are read: instructions come first,
and a long pasted document should not outvote them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from llmbench.types import TaskType

__all__ = ["classify_task", "task_scores"]

_T = TaskType
_MIN_SCORE = 1.0
_MAX_WORDS = 200
_PRIORITY: tuple[TaskType, ...] = (
    _T.TRANSLATION,
    _T.SUMMARIZATION,
    _T.CLASSIFICATION,
    _T.CODING,
    _T.REASONING,
    _T.CREATIVE,
    _T.QUESTION_ANSWERING,
    _T.GENERAL,
)

# fmt: off
_LANGUAGES = (
    "english", "french", "spanish", "german", "italian", "portuguese", "dutch", "russian", "chinese", "mandarin",
    "cantonese", "japanese", "korean", "arabic", "hindi", "turkish", "polish", "swedish", "norwegian", "danish",
    "finnish", "greek", "hebrew", "latin", "vietnamese", "thai", "indonesian", "ukrainian", "czech", "romanian",
    "hungarian",
)
_PROGRAMMING = (
    "python", "javascript", "typescript", "java", "rust", "golang", "kotlin", "swift", "c++", "c#", "ruby", "php",
    "scala", "haskell", "bash",
)

# cue -> weight, per task type. Plural and -ing/-ed forms are reduced before lookup (see _normalise).
_CUES: dict[TaskType, dict[str, float]] = {
    _T.CODING: {
        "function": 2, "code": 2, "coding": 2, "program": 1.5, "script": 1.5, "implement": 2, "algorithm": 1.5,
        "debug": 2.5, "bug": 2, "refactor": 2.5, "compile": 1.5, "compiler": 1.5, "regex": 2, "sql": 1.5,
        "sql query": 2, "unit test": 2.5, "stack trace": 2.5, "traceback": 2.5, "exception": 1, "crash": 1.5,
        "segfault": 2.5, "array": 1, "loop": 1, "variable": 1.5, "method": 1, "class": 0.5, "api": 1,
        "endpoint": 1, "library": 0.5, "repository": 1, "pull request": 2, "git": 1.5, "dockerfile": 2,
        "off-by-one": 2, "snippet": 1.5, "syntax": 1.5, "null pointer": 2.5, "recursion": 1.5, "sort": 0.5,
        "linked list": 2, "binary search": 1.5, "big o": 1.5, "time complexity": 1.5, "unit tests": 2.5,
        **{name: 1.0 for name in _PROGRAMMING},
    },
    _T.SUMMARIZATION: {
        "summarize": 3, "summarise": 3, "summary": 3, "summarization": 3, "tl;dr": 3, "tldr": 3, "recap": 2,
        "condense": 2.5, "gist": 2.5, "key points": 2, "main points": 2, "key takeaway": 2, "takeaways": 2,
        "in a nutshell": 2, "boil down": 2.5, "shorten": 1.5, "abstract": 1, "brief overview": 1.5,
        "bullet points": 1, "in one sentence": 1, "in a few sentences": 1, "overview": 1, "digest": 1,
        "article": 0.5, "report": 0.5, "paragraph": 0.3, "transcript": 0.5,
    },
    _T.TRANSLATION: {
        "translate": 3, "translation": 3, "how do you say": 2.5, "how do i say": 2.5, "render": 0.5,
        "in another language": 2, "localize": 1.5, "localise": 1.5,
        **{f"into {lang}": 2.5 for lang in _LANGUAGES},
        **{f"to {lang}": 1.5 for lang in _LANGUAGES},
        **{f"in {lang}": 1.5 for lang in _LANGUAGES},
        **{lang: 0.5 for lang in _LANGUAGES},
    },
    _T.CLASSIFICATION: {
        "classify": 3, "classification": 3, "categorize": 3, "categorise": 3, "category": 2, "categories": 2,
        "label": 2, "sentiment": 2.5, "positive or negative": 2.5, "spam": 1.5, "is this spam": 2.5, "tag": 1,
        "which of the following": 1.5, "sort into": 2, "bucket": 1, "intent": 1.5, "toxic": 1.5, "priority": 0.5,
    },
    _T.CREATIVE: {
        "creative": 2, "story": 2.5, "poem": 3, "poetry": 3, "haiku": 3, "limerick": 3, "sonnet": 3, "lyric": 2.5,
        "song": 1.5, "fiction": 2.5, "novel": 1.5, "fairy tale": 3, "once upon a time": 3, "imagine": 1.5,
        "character": 1, "plot": 1, "screenplay": 3, "script for a": 1, "joke": 2, "slogan": 2, "tagline": 2,
        "fantasy": 1.5, "tale": 1.5, "brainstorm": 1.5, "invent": 1.5, "narrative": 1.5, "rhyme": 2,
    },
    _T.REASONING: {
        "solve": 2, "math": 2.5, "maths": 2.5, "equation": 2.5, "prove": 2.5, "proof": 2, "calculate": 2,
        "compute": 1, "step by step": 2, "logic": 1.5, "logical": 1.5, "puzzle": 2.5, "riddle": 2.5, "deduce": 2,
        "infer": 1, "probability": 2, "how many": 1.5, "how much": 1, "integral": 2.5, "derivative": 2.5,
        "theorem": 2.5, "percent": 1, "percentage": 1, "average": 1, "ratio": 1, "reason through": 2,
        "what follows": 1.5, "therefore": 1, "minimum": 0.5, "maximum": 0.5, "optimal": 1, "trade-off": 1,
    },
    _T.QUESTION_ANSWERING: {
        "what is": 1.5, "what are": 1.5, "what was": 1.5, "who is": 2, "who was": 2, "who were": 2,
        "when did": 2, "when was": 2, "where is": 2, "where was": 2, "why do": 1.5, "why does": 1.5,
        "why is": 1.5, "how does": 1.5, "how do": 1, "explain": 1, "define": 1.5, "definition": 1.5,
        "tell me about": 1.5, "meaning of": 1.5, "what does": 1.5, "difference between": 1.5, "capital of": 1.5,
    },
}
# fmt: on

# (pattern, task type, weight): signals that whole words cannot carry.
_PATTERNS: tuple[tuple[re.Pattern[str], TaskType, float], ...] = (
    (re.compile(r"\d\s*[-+*/×÷^=]\s*\(?\s*\d"), _T.REASONING, 2.5),
    (re.compile(r"\d[^\d]+\d"), _T.REASONING, 0.5),  # several numbers: maybe a word problem
    (re.compile(r"\d\s*(?:km|miles?|hours?|minutes?|seconds?|kg|%|percent|dollars|euros|years?)\b"), _T.REASONING, 1.5),
    (re.compile(r"```|\bdef \w+\(|\w\(\)|=>|\{\s*$|;\s*$", re.M), _T.CODING, 2.5),
    (re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b"), _T.CODING, 2),
    (re.compile(r"\?\s*$"), _T.QUESTION_ANSWERING, 0.5),
)

_WORD = re.compile(r"[a-z0-9][a-z0-9+#';-]*[a-z0-9+#]|[a-z0-9]")
# Every cue as its word tuple -> [(task, weight)], and the first words of multi-word cues.
_INDEX: dict[tuple[str, ...], list[tuple[TaskType, float]]] = {}
for _task, _cues in _CUES.items():
    for _cue, _weight in _cues.items():
        _INDEX.setdefault(tuple(_cue.split()), []).append((_task, float(_weight)))
_MAX_CUE = max(len(k) for k in _INDEX)
_STARTS = frozenset(k[0] for k in _INDEX if len(k) > 1)


def _normalise(word: str) -> str:
    """Reduce an inflected word to a cue when it is one: stories -> story, functions -> function, solved -> solve."""
    if word.endswith("'s"):
        word = word[:-2]
    if (word,) in _INDEX:
        return word
    for suffix, repl in (("ies", "y"), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", "")):
        if word.endswith(suffix) and (word[: -len(suffix)] + repl,) in _INDEX:
            return word[: -len(suffix)] + repl
    return word


def task_scores(prompt: str) -> dict[TaskType, float]:
    """Total cue weight per task type (types with no cue are absent)."""
    scores: dict[TaskType, float] = {}
    words = [_normalise(w) for w in _WORD.findall(prompt.lower())[:_MAX_WORDS]]
    n = len(words)
    for i, word in enumerate(words):
        hits = _INDEX.get((word,))
        if hits:
            for task, weight in hits:
                scores[task] = scores.get(task, 0.0) + weight
        if word in _STARTS:
            for size in range(2, min(_MAX_CUE, n - i) + 1):
                hits = _INDEX.get(tuple(words[i : i + size]))
                if hits:
                    for task, weight in hits:
                        scores[task] = scores.get(task, 0.0) + weight
    head = prompt[:2000]
    for pattern, task, weight in _PATTERNS:
        if pattern.search(head):
            scores[task] = scores.get(task, 0.0) + weight
    return scores


@lru_cache(maxsize=4096)
def classify_task(prompt: str) -> TaskType:
    """The task type a prompt asks for; ``general`` when no cue is strong enough."""
    scores = task_scores(prompt)
    best, best_score = TaskType.GENERAL, _MIN_SCORE - 1e-9
    for task in _PRIORITY:
        score = scores.get(task, 0.0)
        if score > best_score:
            best, best_score = task, score
    return best
