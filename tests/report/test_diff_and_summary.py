"""The diff of two runs, and a run's title and outcome lines."""

from __future__ import annotations

import pytest

from llmbench.ranking import RankingEngine
from llmbench.report import diff_results, outcome_lines, run_title
from llmbench.types import ComparisonResult, DatasetItem, ModelResult, Recommendation


def _run(qualities: dict[str, list[float | None]], name: str = "qa") -> ComparisonResult:
    """A run where ``None`` is a failed call."""
    n_items = len(next(iter(qualities.values())))
    results = [
        ModelResult(model=model, item_id=f"q{i}", success=False, error="503", error_type="ServerError")
        if q is None
        else ModelResult(
            model=model, item_id=f"q{i}", success=True, response="x", latency_ms=100.0, scores={"correctness": q}
        )
        for model, values in qualities.items()
        for i, q in enumerate(values)
    ]
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(
        name=name,
        models=list(qualities),
        items=[DatasetItem(id=f"q{i}", prompt=f"question {i}") for i in range(n_items)],
        results=results,
        rankings=rankings,
        winner=rankings[0].model,
        recommendations=engine.recommend(rankings),
        metrics=["correctness"],
    )


def test_diff_lines_up_models_and_lists_answers_that_flipped() -> None:
    a = _run({"m/x": [1.0, 1.0, 0.9], "m/y": [0.5, 0.5, 0.5], "m/gone": [0.1, 0.1, 0.1]})
    b = _run({"m/y": [1.0, 1.0, 1.0], "m/x": [1.0, None, 0.8], "m/new": [0.2, 0.2, 0.2]})
    diff = diff_results(a, b, names=("run-a", "run-b"))
    assert (diff.a, diff.b, diff.winner_a, diff.winner_b) == ("run-a", "run-b", "m/x", "m/y")
    assert [m.model for m in diff.models] == ["m/y", "m/x", "m/new", "m/gone"]  # B's order, then A-only
    y = diff.models[0]
    assert (y.rank_a, y.rank_b) == (2, 1) and y.delta("quality") == pytest.approx(0.5)
    assert diff.models[3].rank_b is None and diff.models[3].delta("quality") is None
    assert (diff.only_in_a, diff.only_in_b) == (["m/gone"], ["m/new"])
    assert (diff.items_a, diff.items_b, diff.shared_items) == (3, 3, 3)
    changes = {(c.model, c.item_id): c for c in diff.item_changes}
    assert set(changes) == {("m/x", "q1"), ("m/y", "q0"), ("m/y", "q1"), ("m/y", "q2")}
    assert (changes[("m/x", "q1")].status_a, changes[("m/x", "q1")].status_b) == ("ok", "ServerError")
    assert changes[("m/x", "q1")].quality_b is None  # a failed call has no quality, not 0


def test_diff_of_a_run_with_itself_is_empty() -> None:
    a = _run({"m/x": [1.0, 0.5], "m/y": [0.2, 0.4]})
    diff = diff_results(a, a)
    assert diff.item_changes == [] and all(m.delta("overall") == 0 for m in diff.models)


def test_the_title_says_what_was_compared_and_who_came_first() -> None:
    bench = _run({"m/x": [1.0, 1.0], "m/y": [0.2, 0.1]})
    assert run_title(bench) == "qa · 2 models × 2 items · m/x first"
    one = _run({"m/x": [1.0], "m/y": [0.2]})
    one.items[0].prompt = "What does photosynthesis produce, and where in the cell does it happen?"
    assert run_title(one) == "“What does photosynthesis produce, and where in …” · 2 models · m/x first"


def test_a_tie_for_first_is_never_called_a_win() -> None:
    run = _run({"m/x": [1.0, 1.0], "m/y": [0.9, 1.0], "m/z": [0.1, 0.1]})
    run.recommendations = Recommendation(
        best_overall="m/x", best_for_quality="m/x", best_for_speed=None, best_for_cost=None,
        tied={"overall": ["m/x", "m/y"]},
    )  # fmt: skip
    assert run_title(run).endswith("· tie: m/x = m/y")
    lines = outcome_lines(run)
    assert lines[1].startswith("tie for first: m/x and m/y") and "winner" not in lines[1]
    run.recommendations.tied["overall"] = ["m/x", "m/y", "m/z"]
    assert run_title(run).endswith("· all 3 models tied for first")


def test_outcome_lines_give_one_line_per_model_in_rank_order() -> None:
    run = _run({"m/y": [0.2, None], "m/x": [1.0, 1.0]})
    run.complete, run.incomplete_models = False, ["m/y"]
    lines = outcome_lines(run)
    assert lines[0] == run_title(run) and run_title(run).endswith("· incomplete")
    assert lines[1].startswith("winner: m/x (overall")
    assert lines[2].startswith("#1") and "m/x" in lines[2] and "quality 1.000" in lines[2]
    assert lines[3].startswith("#2") and "success 50% (1/2)" in lines[3]
    assert lines[-1] == "incomplete: m/y did not finish"
