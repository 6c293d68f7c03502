"""Building a run's evaluators from metric names, the ``[evaluation]`` config and the resolved judge model.

Offline metrics come from the registry; judge metrics share one :class:`JudgeClient` (one concurrency cap for
the run's judge calls). A judge metric without a judge is a ConfigError naming the option to set, raised before
any model is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llmbench import evaluators as registry
from llmbench.config import EvaluationConfig
from llmbench.errors import ConfigError, ProviderNotFound
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.judge.base import JudgeEvaluator
from llmbench.evaluators.judge.client import JudgeClient
from llmbench.evaluators.judge.metrics import JudgeCorrectness, JudgeFaithfulness, JudgeRelevance, RubricEvaluator
from llmbench.evaluators.judge.names import JUDGE_DEFAULT_METRICS, RUBRIC_PREFIX, is_judge_metric, needs_judge_message
from llmbench.execution import RetryPolicy
from llmbench.providers import provider_names
from llmbench.types import DEFAULT_METRICS, ModelConfig

__all__ = [
    "JUDGE_METRIC_CLASSES",
    "JudgeMetricInfo",
    "build_evaluators",
    "close_evaluators",
    "default_metrics",
    "judge_client",
    "judge_metric_catalog",
]

JUDGE_METRIC_CLASSES: dict[str, type[JudgeEvaluator]] = {
    cls.name: cls for cls in (JudgeFaithfulness, JudgeCorrectness, JudgeRelevance)
}


@dataclass(frozen=True)
class JudgeMetricInfo:
    """What a judge metric needs and costs, for ``llmbench metrics``."""

    name: str
    needs: tuple[str, ...]
    calls_per_answer: int
    description: str


def judge_metric_catalog(evaluation: EvaluationConfig) -> list[JudgeMetricInfo]:
    """Every judge metric, the configured rubrics included; calls are per answer with the configured repeats."""
    n = evaluation.judge_repeats
    infos = [
        JudgeMetricInfo(
            "judge_faithfulness",
            ("context", "judge"),
            2 * n,
            "claims of the answer supported by the context / claims",
        ),
        JudgeMetricInfo(
            "judge_correctness",
            ("reference", "judge"),
            n,
            "graded against the references: correct 1, partially 0.5, incorrect 0",
        ),
        JudgeMetricInfo("judge_relevance", ("judge",), n, "statements of the answer relevant to the question"),
    ]
    for name in sorted(evaluation.rubrics):
        infos.append(JudgeMetricInfo(f"{RUBRIC_PREFIX}{name}", ("judge",), n, "1-5 against the rubric's criteria"))
    return infos


def default_metrics(
    evaluation: EvaluationConfig, *, has_judge: bool, base: Sequence[str] = DEFAULT_METRICS
) -> list[str]:
    """The metrics of a run that names none: ``base``, plus every judge metric and rubric when there is a judge."""
    metrics = list(base)
    if has_judge:
        metrics += [*JUDGE_DEFAULT_METRICS, *(f"{RUBRIC_PREFIX}{name}" for name in sorted(evaluation.rubrics))]
    return list(dict.fromkeys(metrics))


def judge_client(
    judge_model: ModelConfig, evaluation: EvaluationConfig, policy: RetryPolicy | None = None
) -> JudgeClient:
    """The client every judge metric of a run shares, at the configured judge temperature and concurrency."""
    if judge_model.provider not in provider_names():
        raise ProviderNotFound(
            f"[evaluation] judge: unknown provider {judge_model.provider!r}; known providers: "
            f"{', '.join(provider_names())}"
        )
    config = judge_model.model_copy(update={"temperature": evaluation.judge_temperature})
    return JudgeClient(config, concurrency=evaluation.judge_concurrency, policy=policy)


def build_evaluators(
    metrics: Sequence[str],
    evaluation: EvaluationConfig,
    judge_model: ModelConfig | None,
    *,
    policy: RetryPolicy | None = None,
) -> list[Evaluator]:
    """One evaluator per metric name (duplicates dropped), judge metrics sharing one judge client.

    Raises ConfigError for an unknown metric, a judge metric without a judge, or an unknown rubric.
    """
    names = list(dict.fromkeys(metrics))
    judged = [name for name in names if is_judge_metric(name)]
    if judged and judge_model is None:
        raise ConfigError(needs_judge_message(judged[0]))
    client = judge_client(judge_model, evaluation, policy) if judged and judge_model is not None else None
    built: list[Evaluator] = []
    for name in names:
        if client is None or not is_judge_metric(name):
            built.append(registry.get_evaluator(name))
        else:
            built.append(_judge_class(name, evaluation)(client, repeats=evaluation.judge_repeats))
    return built


def _judge_class(name: str, evaluation: EvaluationConfig) -> type[JudgeEvaluator]:
    if name in JUDGE_METRIC_CLASSES:
        return JUDGE_METRIC_CLASSES[name]
    rubric_name = name.removeprefix(RUBRIC_PREFIX)
    rubric = evaluation.rubrics.get(rubric_name)
    if rubric is None:
        known = ", ".join(f"{RUBRIC_PREFIX}{r}" for r in sorted(evaluation.rubrics)) or "none configured"
        raise ConfigError(
            f"metric {name!r}: no [evaluation.rubrics.{rubric_name}] table with its criteria (rubrics: {known})"
        )
    return RubricEvaluator.for_rubric(name, rubric.criteria, tuple(rubric.steps))


async def close_evaluators(evaluators: Sequence[Evaluator]) -> None:
    """Release the judge's connections once a run's scoring is over (offline evaluators hold none)."""
    clients = {id(e.judge): e.judge for e in evaluators if isinstance(e, JudgeEvaluator)}
    for client in clients.values():
        await client.aclose()
