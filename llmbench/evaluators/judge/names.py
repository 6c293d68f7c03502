"""Names of the judge metrics, importable without the judge machinery (the registry uses them in its errors)."""

from __future__ import annotations

__all__ = ["JUDGE_DEFAULT_METRICS", "JUDGE_OPTION", "RUBRIC_PREFIX", "is_judge_metric", "needs_judge_message"]

#: Judge metrics that join the default metrics when a judge is configured.
JUDGE_DEFAULT_METRICS: tuple[str, ...] = ("judge_faithfulness", "judge_correctness", "judge_relevance")
#: ``rubric:<name>`` scores the ``[evaluation.rubrics.<name>]`` criteria.
RUBRIC_PREFIX = "rubric:"
#: Where a judge is configured, as error messages name it.
JUDGE_OPTION = '[evaluation] judge = "<model>" in llmbench.toml (or --judge)'


def is_judge_metric(name: str) -> bool:
    return name in JUDGE_DEFAULT_METRICS or name.startswith(RUBRIC_PREFIX)


def needs_judge_message(name: str) -> str:
    return f"metric {name!r} needs a judge model: set {JUDGE_OPTION}"
