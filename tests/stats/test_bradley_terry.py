"""Bradley–Terry: known strengths are recovered from synthetic wins, and the fit agrees with choix."""

from __future__ import annotations

import math

import choix
import numpy as np
import pytest

from llmbench.stats import fit_strengths, ratings
from llmbench.stats.bradley_terry import PRIOR_TIES, pair_index, win_columns


def _totals(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pairs = pair_index(matrix.shape[0])
    wins = np.array([matrix[a, b] for a, b in pairs])
    return wins, np.array([matrix[a, b] + matrix[b, a] for a, b in pairs])


def _choix(matrix: np.ndarray) -> np.ndarray:
    """choix's maximum-likelihood fit of the same data (our one virtual tie per pair included)."""
    smoothed = matrix + PRIOR_TIES / 2 * (1 - np.eye(matrix.shape[0]))
    theta = choix.ilsr_pairwise_dense(smoothed, max_iter=10_000, tol=1e-12)
    return theta - theta.mean()


def test_recovers_known_strengths_from_synthetic_wins() -> None:
    rng = np.random.default_rng(0)
    truth = np.array([1.2, 0.6, 0.0, -0.5, -1.3])
    games = 20_000
    matrix = np.zeros((5, 5))
    for a, b in pair_index(5):
        won = rng.binomial(games, 1 / (1 + math.exp(truth[b] - truth[a])))
        matrix[a, b], matrix[b, a] = won, games - won
    theta = fit_strengths(*_totals(matrix), n_models=5)
    assert theta == pytest.approx(truth - truth.mean(), abs=0.03)
    assert theta == pytest.approx(_choix(matrix), abs=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_choix_on_lopsided_and_tied_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = np.floor(rng.uniform(0, 30, size=(4, 4)) * (1 - np.eye(4))) / 2  # half wins: ties
    matrix[0, 1:] += 40  # model 0 wins nearly everything
    matrix[1:, 0] = 0.0
    assert fit_strengths(*_totals(matrix), n_models=4) == pytest.approx(_choix(matrix), abs=1e-9)


def test_batched_fit_equals_one_by_one() -> None:
    rng = np.random.default_rng(4)
    batch = rng.integers(0, 20, size=(6, 4, 4)).astype(float) * (1 - np.eye(4))
    totals = [_totals(m) for m in batch]
    together = fit_strengths(np.stack([w for w, _ in totals]), np.stack([g for _, g in totals]), n_models=4)
    for k, m in enumerate(batch):
        assert together[k] == pytest.approx(_choix(m), abs=1e-9)


def test_wins_per_item_count_ties_as_half_and_skip_missing() -> None:
    quality = np.array([[0.9, 0.5, 0.3, np.nan], [0.5, 0.5, 0.8, 0.1]])
    wins, played = win_columns(quality)
    assert wins[:, 0].tolist() == [1.0, 0.5, 0.0, 0.0] and played[:, 0].tolist() == [True, True, True, False]


def test_arena_scale() -> None:
    theta = np.array([math.log(10) / 2, -math.log(10) / 2])  # 10:1 odds
    assert ratings(theta) == pytest.approx([1200.0, 800.0])
