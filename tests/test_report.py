"""The Markdown report and the flat rows the CLI, Prefect and MLflow show."""

from __future__ import annotations

import llmbench.report as report_module
from llmbench.ranking import RankingEngine
from llmbench.report import RESPONSE_PREVIEW_CHARS, item_rows, ranking_rows, render_markdown
from llmbench.types import ComparisonResult, ModelResult


def _ok(model: str, item: str, quality: float, latency: float, cost: float | None, sim: bool = False) -> ModelResult:
    return ModelResult(
        model=model,
        item_id=item,
        success=True,
        response="x" * 1000,
        latency_ms=latency,
        cost_usd=cost,
        price_known=cost is not None,
        scores={"faithfulness": quality},
        simulated=sim,
    )


def _result(*, incomplete: bool = False) -> ComparisonResult:
    results = [
        _ok("sim/oracle-xl", "q0", 0.95, 100, 0.001, sim=True),
        _ok("local/mystery", "q0", 0.5, 50, None),
        ModelResult(
            model="openai/gpt-4o", item_id="q0", success=False, error="HTTP 503 | down", error_type="ServerError"
        ),
    ]
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(
        name="unit",
        models=["sim/oracle-xl", "local/mystery", "openai/gpt-4o"],
        results=results,
        rankings=rankings,
        winner=rankings[0].model,
        recommendations=engine.recommend(rankings),
        complete=not incomplete,
        incomplete_models=["openai/gpt-4o"] if incomplete else [],
        metrics=["faithfulness"],
    )


def test_public_api() -> None:
    for name in report_module.__all__:
        assert hasattr(report_module, name)


def test_report_has_winner_unknown_price_failures_and_simulated_label() -> None:
    text = render_markdown(_result(), title="My bench")
    assert text.startswith("# My bench\n")
    assert "## Winner\n\n**sim/oracle-xl**" in text
    assert "SIMULATED" in text and "`sim/oracle-xl`" in text
    mystery = next(line for line in text.splitlines() if line.startswith("| 2 | local/mystery"))
    assert "price unknown" in mystery and "$0" not in mystery
    assert "| openai/gpt-4o | q0 | ServerError | HTTP 503 \\| down |" in text
    assert "## Failures (1)" in text
    assert "Best for cost:** `sim/oracle-xl`" in text
    assert "incomplete" not in text.lower()


def test_report_warns_when_incomplete_and_not_simulated() -> None:
    result = _result(incomplete=True)
    for r in result.results:
        r.simulated = False
    text = render_markdown(result)
    assert "Warning: incomplete run" in text and "`openai/gpt-4o`" in text
    assert "SIMULATED" not in text


def test_ranking_rows_keep_unknowns_as_none() -> None:
    rows = {row["model"]: row for row in ranking_rows(_result())}
    assert rows["local/mystery"]["cost_per_item_usd"] is None
    assert rows["local/mystery"]["cost_efficiency"] is None
    assert rows["local/mystery"]["price"] == "unknown"
    assert rows["sim/oracle-xl"]["rank"] == 1 and rows["sim/oracle-xl"]["cost_per_item_usd"] == 0.001
    assert rows["openai/gpt-4o"]["success_rate"] == 0.0


def test_item_rows_truncate_and_keep_failures() -> None:
    rows = item_rows(_result())
    assert len(rows) == 3
    assert all(set(row) == set(rows[0]) for row in rows)
    assert len(str(rows[0]["response"])) == RESPONSE_PREVIEW_CHARS
    failed = rows[2]
    assert failed["success"] is False and failed["faithfulness"] is None and failed["error_type"] == "ServerError"


def _ranked_result(n_items: int) -> ComparisonResult:
    from llmbench.comparison import rank_results
    from llmbench.types import RankingWeights

    results = [
        _ok(model, f"q{i}", quality - step * (i % cycle), latency, cost)
        for model, quality, step, cycle, latency, cost in (
            ("big", 0.95, 0.05, 4, 400, 0.01),
            ("small", 0.7, 0.1, 3, 80, 0.001),
        )
        for i in range(n_items)
    ]
    outcome = rank_results(results, RankingWeights())
    return ComparisonResult(
        name="stats",
        models=["big", "small"],
        results=results,
        rankings=outcome.rankings,
        winner=outcome.rankings[0].model,
        recommendations=outcome.recommendations,
        statistics=outcome.statistics,
        metrics=["faithfulness"],
    )


def test_report_shows_intervals_groups_tests_pareto_and_power() -> None:
    result = _ranked_result(12)
    text = render_markdown(result)
    assert "| Rank | Model | Group | Overall | Overall CI | P(best) | Quality | Quality CI |" in text
    assert "## Statistics" in text and "2,000 paired bootstrap resamples of the 12 items (seed 0)" in text
    assert "### Tie groups" in text and "### Pairwise tests" in text
    assert [r.model for r in result.rankings] == ["small", "big"]  # ten times cheaper, five times faster
    assert "| quality | small | big | paired t |" in text
    assert "- **On the frontier:** `small`, `big`" in text
    assert "corrected by Holm at alpha 0.05" in text
    rows = {row["model"]: row for row in ranking_rows(result)}
    big = next(m for m in result.statistics.models if m.model == "big")  # type: ignore[union-attr]
    assert rows["big"]["quality_ci_low"] == round(big.quality.low, 4)
    assert (rows["small"]["group"], rows["big"]["group"]) == (1, 2)


def test_report_says_why_there_are_no_statistics() -> None:
    text = render_markdown(_ranked_result(3))
    assert "No intervals or tests: 3 items: statistics need at least 10" in text
    assert "Overall CI" not in text and "- **Statistics:** off — 3 items" in text
