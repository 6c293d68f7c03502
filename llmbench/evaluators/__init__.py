"""Evaluators: score one answer to one item, offline or with a judge, and combine scores into quality.

Offline metrics: correctness, faithfulness, relevance, coherence (heuristics that see polarity, numbers and
names) and the reference metrics of :mod:`.reference`. Metrics are registered by name (:mod:`.registry`);
:func:`metric_catalog` lists them with what they need and cost; :func:`item_quality` combines one item's scores.
"""

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.catalog import MetricInfo, metric_catalog
from llmbench.evaluators.coherence import CoherenceEvaluator
from llmbench.evaluators.faithfulness import SUPPORT_THRESHOLD, FaithfulnessEvaluator
from llmbench.evaluators.quality import FAMILY_WEIGHTS, QUALITY_WEIGHTS, item_quality, quality_weight
from llmbench.evaluators.reference import (
    BleuEvaluator,
    ChrfEvaluator,
    ContainsEvaluator,
    CorrectnessEvaluator,
    ExactMatchEvaluator,
    JsonSchemaEvaluator,
    JsonValidEvaluator,
    NumericEvaluator,
    RegexEvaluator,
    RougeLEvaluator,
    SemanticSimilarityEvaluator,
    TokenF1Evaluator,
    embeddings_available,
)
from llmbench.evaluators.registry import EVALUATORS, get_evaluator, known_metrics, register_evaluator, resolve_metrics
from llmbench.evaluators.relevance import RelevanceEvaluator
from llmbench.evaluators.scoring import build_offline_evaluators, evaluate_results, make_scorer, score_result

__all__ = [
    "EVALUATORS",
    "FAMILY_WEIGHTS",
    "QUALITY_WEIGHTS",
    "SUPPORT_THRESHOLD",
    "BleuEvaluator",
    "ChrfEvaluator",
    "CoherenceEvaluator",
    "ContainsEvaluator",
    "CorrectnessEvaluator",
    "Evaluator",
    "ExactMatchEvaluator",
    "FaithfulnessEvaluator",
    "JsonSchemaEvaluator",
    "JsonValidEvaluator",
    "MetricInfo",
    "NumericEvaluator",
    "RegexEvaluator",
    "RelevanceEvaluator",
    "RougeLEvaluator",
    "SemanticSimilarityEvaluator",
    "TokenF1Evaluator",
    "build_offline_evaluators",
    "embeddings_available",
    "evaluate_results",
    "get_evaluator",
    "item_quality",
    "known_metrics",
    "make_scorer",
    "metric_catalog",
    "quality_weight",
    "register_evaluator",
    "resolve_metrics",
    "score_result",
]
