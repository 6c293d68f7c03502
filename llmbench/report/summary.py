"""A run in a few words: the title MLflow lists it under and the lines the Prefect flow run logs.

"qa_small · 5 models × 12 items · sim/oracle-xl first" says what was compared and who came out ahead without
opening the run; a tie for first is named as a tie, never as a winner.
"""

from __future__ import annotations

from llmbench.recommendations import tied_text
from llmbench.report.format import DASH, cost_text, excerpt, group_text, interval_text, ms, n_items, num
from llmbench.types import ComparisonResult

__all__ = ["outcome_lines", "run_title", "subject", "verdict"]

_TITLE_PROMPT_CHARS = 48


def subject(result: ComparisonResult) -> str:
    """What was run: the dataset with its size, or the prompt of a single-prompt comparison."""
    models = f"{len(result.models)} model{'s' if len(result.models) != 1 else ''}"
    count = n_items(result)
    if count == 1 and result.items:
        return f"“{excerpt(result.items[0].prompt, _TITLE_PROMPT_CHARS)}” · {models}"
    return f"{result.name} · {models} × {count} item{'s' if count != 1 else ''}"


def _tied_first(result: ComparisonResult) -> list[str]:
    tied = result.recommendations.tied.get("overall", []) if result.recommendations else []
    return tied if len(tied) > 1 else []


def verdict(result: ComparisonResult) -> str:
    """Who came first: the winner, the models tied for first, or that no model answered."""
    if result.winner is None:
        return "no winner"
    tied = _tied_first(result)
    if len(tied) == 2:
        return f"tie: {' = '.join(tied)}"
    if tied:
        every = "all " if len(tied) == len(result.rankings) else ""
        return f"{every}{len(tied)} models tied for first"
    return f"{result.winner} first"


def run_title(result: ComparisonResult) -> str:
    """The run's name in MLflow: what was compared, and who came first."""
    parts = [subject(result), verdict(result)]
    if not result.complete:
        parts.append("incomplete")
    return " · ".join(parts)


def _winner_line(result: ComparisonResult) -> str:
    if result.winner is None:
        return "no winner: no model answered successfully"
    tied = _tied_first(result)
    if tied:
        return f"tie for first: {tied_text(tied)} (not significantly different after correction)"
    best = next((r for r in result.rankings if r.model == result.winner), None)
    if best is None:
        return f"winner: {result.winner}"
    return f"winner: {result.winner} (overall {num(best.overall_score)}, quality {best.component_scores.quality:.3f})"


def outcome_lines(result: ComparisonResult) -> list[str]:
    """The result in plain lines: the winner or the tie, then one line per model in rank order."""
    lines = [f"{run_title(result)}", _winner_line(result)]
    rankings = sorted(result.rankings, key=lambda r: r.rank)
    width = max((len(r.model) for r in rankings), default=0)
    for r in rankings:
        interval = f" {interval_text(r.quality_interval, 2)}" if r.quality_interval else ""
        lines.append(
            f"#{group_text(r, rankings):<3} {r.model:<{width}}  quality {r.component_scores.quality:.3f}{interval}"
            f"  overall {num(r.overall_score)}  p50 {ms(r.latency_ms)} ms  cost/item {cost_text(r)}"
            f"  success {r.success_rate:.0%} ({r.n_items - r.n_failed}/{r.n_items})"
        )
    if not rankings:
        lines.append(f"no ranking {DASH} every call failed")
    if not result.complete:
        lines.append(f"incomplete: {', '.join(result.incomplete_models) or 'some models'} did not finish")
    return lines
