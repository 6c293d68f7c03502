"""Truncated and cached answers show wherever results are shown: report, item rows."""

from __future__ import annotations

from llmbench.report import item_rows, render_markdown
from llmbench.types import ComparisonResult, ModelResult, Usage


def _row(item: str, **fields: object) -> ModelResult:
    values: dict[str, object] = {
        "model": "openai/m",
        "item_id": item,
        "success": True,
        "response": "An answer.",
        "latency_ms": 100.0,
        "usage": Usage(input_tokens=10, output_tokens=5),
        "cost_usd": 0.002,
        "price_known": True,
    }
    return ModelResult.model_validate({**values, **fields})


def test_truncated_and_cached_rows_are_visible_and_the_cache_is_not_spent() -> None:
    result = ComparisonResult(
        models=["openai/m"],
        results=[_row("a", truncated=True), _row("b", cached=True, attempts=0), _row("c")],
        run_id="abc123-1",
    )
    text = render_markdown(result)
    assert "`abc123-1` (resume with `--resume abc123-1`)" in text
    assert "**Truncated answers:** 1 cut by max_tokens (`openai/m`)" in text
    assert "**Cache:** 1 answers reused (original cost $0.002000, not spent again); spent $0.004000 on 2" in text
    rows = {r["item_id"]: r for r in item_rows(result)}
    assert (rows["a"]["truncated"], rows["b"]["cached"], rows["c"]["cached"]) == (True, True, False)


def test_an_unknown_price_is_never_shown_as_zero_spent() -> None:
    result = ComparisonResult(
        models=["x"], results=[_row("a", cost_usd=None, price_known=False), _row("b", cached=True)]
    )
    assert "spent price unknown on 1 answers called" in render_markdown(result)
