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


def _items_result(n_items: int = 2) -> ComparisonResult:
    """Two models on ``n_items`` items: one answer truncated, one cached, one call failed, one judge verdict failed,
    and correctness not applicable where an item has no reference."""
    from llmbench.types import DatasetItem, EvalFailure

    items = [
        DatasetItem(
            id=f"q{i}",
            prompt=f"What is item {i}?",
            context="Background text. " * 40,
            reference="The answer." if i % 2 == 0 else None,
            incorrect_references=["A wrong answer."] if i == 0 else [],
        )
        for i in range(n_items)
    ]
    results = []
    for i, item in enumerate(items):
        scores = {"coherence": 0.9} | ({"correctness": 0.75} if item.reference else {})
        results.append(
            ModelResult(
                model="sim/a",
                item_id=item.id,
                success=True,
                response=f"Line one of {i}.\nLine two | with a pipe <script>alert(1)</script>",
                latency_ms=65.88313473566042,
                cost_usd=0.000123456789,
                price_known=True,
                scores=scores,
                not_applicable=[] if item.reference else ["correctness"],
                truncated=i == 0,
                cached=i == 1,
                eval_errors={"judge_relevance": EvalFailure(error_type="UnparseableVerdict", message="no JSON")}
                if i == 0
                else {},
            )
        )
        results.append(
            ModelResult(model="sim/b", item_id=item.id, success=False, error="HTTP 503", error_type="ServerError")
        )
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(
        name="items",
        models=["sim/a", "sim/b"],
        items=items,
        results=results,
        rankings=rankings,
        winner=rankings[0].model,
        recommendations=engine.recommend(rankings),
        metrics=["correctness", "coherence", "judge_relevance"],
    )


def test_a_benchmark_report_shows_each_item_with_its_answers_and_what_to_know_about_them() -> None:
    text = render_markdown(_items_result())
    section = text[text.index("## Answers by item (2)") :]
    assert "### q0" in section and "### q1" in section
    assert "- **Prompt:** What is item 0?" in section
    assert "- **Context:** Background text." in section and "…" in section  # an excerpt, not the whole context
    assert "- **Reference:** The answer." in section and "- **Known wrong:** A wrong answer." in section
    header = "| Model | Quality | correctness | coherence | judge_relevance | ms | Notes |"
    assert section.count(header) == 2
    q0 = section[: section.index("### q1")]
    a_row = next(line for line in q0.splitlines() if line.startswith("| `sim/a`"))
    assert a_row.startswith("| `sim/a` | 0.77 | 0.75 | 0.90 | failed (UnparseableVerdict) |")
    assert "truncated (max_tokens)" in a_row and "judge_relevance failed: UnparseableVerdict" in a_row
    answer = next(line for line in q0.splitlines() if line.startswith("- `sim/a`: "))
    assert "Line one of 0. Line two \\| with a pipe &lt;script&gt;" in answer  # escaped, on one line
    assert "<script>" not in text
    b_row = next(line for line in q0.splitlines() if line.startswith("| `sim/b`"))
    assert "| 0 (failed) |" in b_row
    assert "- `sim/b`: **failed:** ServerError: HTTP 503" in q0
    q1 = section[section.index("### q1") :]
    a_row = next(line for line in q1.splitlines() if line.startswith("| `sim/a`"))
    assert "| n/a |" in a_row and "cached" in a_row  # correctness cannot run without a reference


def test_a_single_prompt_shows_the_figures_side_by_side_and_every_answer_in_full() -> None:
    result = _items_result(1)
    result.results[0].response = "word " * 400 + "\nTHE END <b>"
    text = render_markdown(result)
    section = text[text.index("## Answers\n") : text.index("## Metrics")]
    assert "| | `sim/a` | `sim/b` |" in section  # one column per model
    assert "| **correctness** | 0.75 | — |" in section
    assert "| **Quality** | 0.77 | 0 (failed) |" in section
    answer = section[section.index("#### `sim/a` — quality 0.77") : section.index("#### `sim/b`")]
    assert "> word word" in answer and "> THE END &lt;b&gt;" in answer  # in full, its line break kept
    assert "#### `sim/b` — quality 0 (failed)\n\n> **failed:** ServerError: HTTP 503" in section
    assert text.index("## Answers") < text.index("## Failures")  # read right after the recommendations


def test_metric_coverage_names_not_applicable_and_failed_evaluations() -> None:
    text = render_markdown(_items_result())
    assert "`correctness`: scored 1 of 2 answers; not applicable to 1" in text
    assert "`judge_relevance`: scored 0 of 2 answers; failed to score 1" in text


def test_a_long_benchmark_report_shows_the_first_items_and_says_where_the_rest_are() -> None:
    from llmbench.report import MARKDOWN_ITEMS

    text = render_markdown(_items_result(MARKDOWN_ITEMS + 3))
    assert f"The first {MARKDOWN_ITEMS} of {MARKDOWN_ITEMS + 3} items are shown" in text
    assert f"### q{MARKDOWN_ITEMS - 1}\n" in text and f"### q{MARKDOWN_ITEMS}\n" not in text
    assert "llmbench report RUN --html FILE" in text


def test_tables_are_rounded() -> None:
    result = _items_result()
    [row] = [r for r in ranking_rows(result) if r["model"] == "sim/a"]
    assert row["latency_p50_ms"] == 65.9 and row["cost_per_item_usd"] == 0.0001235
    items = item_rows(result)
    assert items[0]["latency_ms"] == 65.9 and items[0]["cost_usd"] == 0.0001235
    assert items[0]["prompt"] == "What is item 0?" and items[0]["reference"] == "The answer."
    assert items[0]["not_applicable"] is None and items[2]["not_applicable"] == "correctness"
    assert items[0]["eval_errors"] == "judge_relevance: UnparseableVerdict"
    for line in render_markdown(result).splitlines():
        assert "65.88" not in line and "0.000123456" not in line
