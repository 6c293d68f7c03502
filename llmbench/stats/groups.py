"""Rank groups: what the corrected tests support, instead of an order invented from noise.

A model's group is 1 + the number of models significantly better than it (after correction), as LMSYS Chatbot
Arena ranks models; models that share a group are tied. Read along the ranking's order, groups are then made
non-decreasing, so that a model never shows a better group than one ranked above it (non-significance is not
transitive: A ≈ B and B ≈ C while A > C).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["group_lists", "rank_groups"]


def rank_groups(order: Sequence[str], better: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Group of each model in ``order`` (best first) given the significant (winner, loser) pairs."""
    beaten_by = {model: 0 for model in order}
    for winner, loser in better:
        if winner in beaten_by and loser in beaten_by:
            beaten_by[loser] += 1
    groups: dict[str, int] = {}
    floor = 1
    for model in order:
        floor = max(floor, 1 + beaten_by[model])
        groups[model] = floor
    return groups


def group_lists(order: Sequence[str], groups: dict[str, int]) -> list[list[str]]:
    """The models of each group, groups in rank order and models in ``order`` within a group."""
    lists: dict[int, list[str]] = {}
    for model in order:
        if model in groups:
            lists.setdefault(groups[model], []).append(model)
    return [lists[g] for g in sorted(lists)]
