"""Reference metrics: the answer compared with what the item says is right (or wrong, or expected).

Each metric is not applicable (None) on an item that lacks what it needs; definitions in each module.
"""

from llmbench.evaluators.reference.correctness import CorrectnessEvaluator
from llmbench.evaluators.reference.library import BleuEvaluator, ChrfEvaluator, RougeLEvaluator
from llmbench.evaluators.reference.numeric import NumericEvaluator
from llmbench.evaluators.reference.overlap import ExactMatchEvaluator, TokenF1Evaluator, token_f1
from llmbench.evaluators.reference.patterns import ContainsEvaluator, RegexEvaluator
from llmbench.evaluators.reference.semantic import SemanticSimilarityEvaluator, embeddings_available
from llmbench.evaluators.reference.similarity import Similarity, answer_similarity
from llmbench.evaluators.reference.structured import JsonSchemaEvaluator, JsonValidEvaluator

__all__ = [
    "BleuEvaluator",
    "ChrfEvaluator",
    "ContainsEvaluator",
    "CorrectnessEvaluator",
    "ExactMatchEvaluator",
    "JsonSchemaEvaluator",
    "JsonValidEvaluator",
    "NumericEvaluator",
    "RegexEvaluator",
    "RougeLEvaluator",
    "SemanticSimilarityEvaluator",
    "Similarity",
    "TokenF1Evaluator",
    "answer_similarity",
    "embeddings_available",
    "token_f1",
]
