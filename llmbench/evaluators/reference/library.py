"""ROUGE-L (``rouge-score``), chrF and BLEU (``sacrebleu``) against the correct references.

* ``rouge_l`` = ROUGE-L F-measure (longest common subsequence of words), best over the references. Words come
  from llmbench's tokenizer (any alphabet) and are stemmed, where rouge-score's own tokenizer drops non-ASCII.
* ``chrf`` = sacrebleu's sentence chrF (character n-gram F-score, β = 2) with all references, divided by 100.
* ``bleu`` = sacrebleu's sentence BLEU with effective order (so short answers are not zero by construction),
  all references, divided by 100. Sentence BLEU is noisy; prefer chrF for single answers.

All three need a reference. The libraries are imported on first use (they cost ~0.3–2 s to import).
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from llmbench.evaluators.reference.base import ReferenceEvaluator
from llmbench.evaluators.text import stem, tokenize

__all__ = ["BleuEvaluator", "ChrfEvaluator", "RougeLEvaluator"]


class _StemmingTokenizer:
    """The tokenizer interface rouge-score expects, over llmbench's Unicode-aware tokenizer."""

    def tokenize(self, text: str) -> list[str]:
        return [stem(t) for t in tokenize(text)]


@cache
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=_StemmingTokenizer())


@cache
def _chrf() -> Any:
    from sacrebleu.metrics import CHRF

    return CHRF()


@cache
def _bleu() -> Any:
    from sacrebleu.metrics import BLEU

    return BLEU(effective_order=True)


class RougeLEvaluator(ReferenceEvaluator):
    """ROUGE-L F-measure against the closest correct reference."""

    name: ClassVar[str] = "rouge_l"

    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        best = _rouge().score_multi(references, response)["rougeL"]
        details = {
            "method": "rouge-score ROUGE-L F, stemmed, best over references",
            "precision": round(float(best.precision), 4),
            "recall": round(float(best.recall), 4),
        }
        return float(best.fmeasure), details


class ChrfEvaluator(ReferenceEvaluator):
    """sacrebleu chrF of the answer against all correct references, in [0, 1]."""

    name: ClassVar[str] = "chrf"

    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        return _chrf().sentence_score(response, references).score / 100, {"method": "sacrebleu sentence chrF / 100"}


class BleuEvaluator(ReferenceEvaluator):
    """sacrebleu sentence BLEU of the answer against all correct references, in [0, 1]."""

    name: ClassVar[str] = "bleu"

    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        value = _bleu().sentence_score(response, references).score / 100
        return value, {"method": "sacrebleu sentence BLEU (effective order) / 100"}
