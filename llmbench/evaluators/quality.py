"""One item's quality from its evaluator scores: the per-item combination the ranking aggregates.

``item_quality(scores) = Σ_k w_k · s_k / Σ_k w_k`` over the metrics k present in ``scores``. A metric that was
not applicable to the item is absent from ``scores``, so the weights renormalise over what could be measured.
Weights (:data:`QUALITY_WEIGHTS`): correctness-type metrics dominate when present (correctness 2.0; numeric,
contains, regex, json_schema 1.0; exact_match, f1, rouge_l, chrf, semantic_similarity 0.5; bleu 0.25), then grounding
(faithfulness 0.4, relevance 0.3) and format (coherence 0.3, json_valid 0.5); judge verdicts weigh more than
the heuristic of the same kind (judge_correctness 2.0, judge_faithfulness 1.0, judge_relevance 0.5, each
``rubric:<name>`` 1.0). With only faithfulness, relevance
and coherence present this is the seed's 0.4/0.3/0.3. A registered metric without an entry takes its class's
``quality_weight``, else its family's default (:data:`FAMILY_WEIGHTS`), else 1.0; no scores at all → 0.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FAMILY_WEIGHTS", "QUALITY_WEIGHTS", "item_quality", "quality_weight"]

#: Weights of the built-in metrics inside one item's quality.
QUALITY_WEIGHTS: dict[str, float] = {
    "correctness": 2.0,
    "numeric": 1.0,
    "contains": 1.0,
    "regex": 1.0,
    "json_schema": 1.0,
    "exact_match": 0.5,
    "f1": 0.5,
    "rouge_l": 0.5,
    "chrf": 0.5,
    "bleu": 0.25,
    "semantic_similarity": 0.5,
    "faithfulness": 0.4,
    "relevance": 0.3,
    "coherence": 0.3,
    "json_valid": 0.5,
    # A judge's verdict outweighs the offline heuristic of the same kind when both ran.
    "judge_correctness": 2.0,
    "judge_faithfulness": 1.0,
    "judge_relevance": 0.5,
}

#: Weight of every ``rubric:<name>`` metric (user-written criteria, judged 1–5).
RUBRIC_WEIGHT = 1.0

#: Default weight of a registered metric by its ``family`` when it declares no ``quality_weight``.
FAMILY_WEIGHTS: dict[str, float] = {"correctness": 2.0, "grounding": 0.4, "format": 0.3, "other": 1.0}


def quality_weight(metric: str) -> float:
    """The weight of ``metric`` in an item's quality (see the module docstring for the lookup order)."""
    if metric in QUALITY_WEIGHTS:
        return QUALITY_WEIGHTS[metric]
    if metric.startswith("rubric:"):
        return RUBRIC_WEIGHT
    from llmbench.evaluators.registry import EVALUATORS  # the registry imports every evaluator module

    cls = EVALUATORS.get(metric)
    if cls is None:
        return 1.0
    if cls.quality_weight is not None:
        return cls.quality_weight
    return FAMILY_WEIGHTS.get(cls.family, 1.0)


def item_quality(scores: Mapping[str, float]) -> float:
    """Quality of one item from its evaluator scores, in [0, 1]."""
    weights = {name: quality_weight(name) for name in scores}
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(weights[name] * score for name, score in scores.items()) / total
