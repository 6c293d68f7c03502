"""LLM-as-judge evaluators: any configured model scores answers with versioned prompts and strict verdicts.

Build a run's evaluators with :func:`build_evaluators` (judge metrics need ``[evaluation] judge``), pass them to
:func:`llmbench.evaluators.make_scorer` or :func:`~llmbench.evaluators.evaluate_results`, and call
:func:`close_evaluators` when scoring is over. A verdict that cannot be had is recorded on the row
(``ModelResult.eval_errors``), never scored; what the judge cost is on each row (``judge_usage``) and, summed by
:func:`summarize_judging`, on the ComparisonResult.
"""

from llmbench.evaluators.judge.base import MAX_REPEATS, JudgeEvaluator, Trial, agreement
from llmbench.evaluators.judge.client import DEFAULT_JUDGE_CONCURRENCY, JudgeClient, UsageTally
from llmbench.evaluators.judge.factory import (
    JUDGE_METRIC_CLASSES,
    JudgeMetricInfo,
    build_evaluators,
    close_evaluators,
    default_metrics,
    judge_client,
    judge_metric_catalog,
)
from llmbench.evaluators.judge.metrics import JudgeCorrectness, JudgeFaithfulness, JudgeRelevance, RubricEvaluator
from llmbench.evaluators.judge.names import JUDGE_DEFAULT_METRICS, RUBRIC_PREFIX, is_judge_metric
from llmbench.evaluators.judge.prompts import PROMPTS, JudgePrompt
from llmbench.evaluators.judge.summary import summarize_judging
from llmbench.evaluators.judge.verdicts import parse_verdict

__all__ = [
    "DEFAULT_JUDGE_CONCURRENCY",
    "JUDGE_DEFAULT_METRICS",
    "JUDGE_METRIC_CLASSES",
    "MAX_REPEATS",
    "PROMPTS",
    "RUBRIC_PREFIX",
    "JudgeClient",
    "JudgeCorrectness",
    "JudgeEvaluator",
    "JudgeFaithfulness",
    "JudgeMetricInfo",
    "JudgePrompt",
    "JudgeRelevance",
    "RubricEvaluator",
    "Trial",
    "UsageTally",
    "agreement",
    "build_evaluators",
    "close_evaluators",
    "default_metrics",
    "is_judge_metric",
    "judge_client",
    "judge_metric_catalog",
    "parse_verdict",
    "summarize_judging",
]
