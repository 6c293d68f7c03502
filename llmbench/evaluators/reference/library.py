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

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.text import stem, tokenize
from llmbench.types import DatasetItem, EvalScore

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


class RougeLEvaluator(Evaluator):
    """ROUGE-L F-measure against the closest correct reference."""

    name: ClassVar[str] = "rouge_l"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        score = _rouge().score_multi(references, response)["rougeL"]
        return EvalScore(
            name=self.name,
            score=min(1.0, max(0.0, float(score.fmeasure))),
            details={
                "method": "rouge-score ROUGE-L F, stemmed, best over references",
                "precision": round(float(score.precision), 4),
                "recall": round(float(score.recall), 4),
            },
        )


class ChrfEvaluator(Evaluator):
    """sacrebleu chrF of the answer against all correct references, in [0, 1]."""

    name: ClassVar[str] = "chrf"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        score = _chrf().sentence_score(response, references).score / 100
        return EvalScore(
            name=self.name, score=min(1.0, max(0.0, score)), details={"method": "sacrebleu sentence chrF / 100"}
        )


class BleuEvaluator(Evaluator):
    """sacrebleu sentence BLEU of the answer against all correct references, in [0, 1]."""

    name: ClassVar[str] = "bleu"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        score = _bleu().sentence_score(response, references).score / 100
        return EvalScore(
            name=self.name,
            score=min(1.0, max(0.0, score)),
            details={"method": "sacrebleu sentence BLEU (effective order) / 100"},
        )
