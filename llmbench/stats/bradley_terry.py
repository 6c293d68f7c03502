"""Bradley–Terry ratings from per-item pairwise wins, on the Arena scale.

On every item each pair of models plays one game: the higher per-item quality wins, equal quality is a tie worth
half a win to each (a failed call scores 0, as in the ranking). The maximum-likelihood strengths θ (natural log,
centred at 0) become ratings ``1000 + 400·log10(e^θ)``, so a 400-point gap means 10:1 odds. One virtual tie per
pair (``PRIOR_TIES``) keeps a model that wins every game at a finite rating; at 10 items it moves a rating by a few
points, at 1,000 by nothing visible.

The fit is Newton's method on the concave log-likelihood, vectorised over bootstrap resamples (a batch of m×m
systems per step), with each step capped so the first steps on lopsided data cannot overshoot.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BASE_RATING", "PRIOR_TIES", "SCALE", "fit_strengths", "pair_index", "ratings", "win_columns"]

BASE_RATING = 1000.0
SCALE = 400.0
PRIOR_TIES = 1.0
_MAX_STEP = 2.0
_TOLERANCE = 1e-10
_MAX_ITERATIONS = 200


def pair_index(n_models: int) -> list[tuple[int, int]]:
    """The pairs (a, b) with a < b, in the order of the columns of :func:`win_columns`."""
    return [(a, b) for a in range(n_models) for b in range(a + 1, n_models)]


def win_columns(quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(items, pairs) arrays: a's score against b on each item (1, ½ or 0) and whether both answered it."""
    pairs = pair_index(quality.shape[0])
    wins = np.zeros((quality.shape[1], len(pairs)))
    played = np.zeros_like(wins, dtype=bool)
    for column, (a, b) in enumerate(pairs):
        qa, qb = quality[a], quality[b]
        both = ~np.isnan(qa) & ~np.isnan(qb)
        played[:, column] = both
        wins[:, column] = np.where(both, (qa > qb) + 0.5 * (qa == qb), 0.0)
    return wins, played


def _matrices(wins: np.ndarray, games: np.ndarray, n_models: int) -> tuple[np.ndarray, np.ndarray]:
    """Full (..., m, m) win and game matrices from per-pair totals, with the prior ties added."""
    lead = wins.shape[:-1]
    w = np.zeros((*lead, n_models, n_models))
    g = np.zeros_like(w)
    for column, (a, b) in enumerate(pair_index(n_models)):
        w[..., a, b] = wins[..., column] + PRIOR_TIES / 2
        w[..., b, a] = games[..., column] - wins[..., column] + PRIOR_TIES / 2
        g[..., a, b] = g[..., b, a] = games[..., column] + PRIOR_TIES
    return w, g


def fit_strengths(wins: np.ndarray, games: np.ndarray, n_models: int) -> np.ndarray:
    """Log-strengths θ (..., m), mean 0, from per-pair win and game totals (..., pairs)."""
    w, g = _matrices(wins, games, n_models)
    total_wins = w.sum(axis=-1)
    theta = np.zeros((*wins.shape[:-1], n_models))
    centring = np.ones((n_models, n_models)) / n_models  # fixes the one free direction: θ + c fits as well
    for _ in range(_MAX_ITERATIONS):
        p = 1.0 / (1.0 + np.exp(theta[..., None, :] - theta[..., :, None]))  # P(row beats column)
        gradient = total_wins - np.sum(g * p, axis=-1)
        curvature = g * p * (1 - p)
        negative_hessian = -curvature + np.eye(n_models) * curvature.sum(axis=-1)[..., None] + centring
        step = np.linalg.solve(negative_hessian, gradient[..., None])[..., 0]
        size = np.max(np.abs(step), axis=-1, keepdims=True)
        step = step * np.minimum(1.0, _MAX_STEP / np.maximum(size, 1e-300))
        theta = theta + step
        theta = theta - theta.mean(axis=-1, keepdims=True)
        if float(np.max(size)) < _TOLERANCE:
            break
    return theta


def ratings(theta: np.ndarray) -> np.ndarray:
    """Arena-scale ratings from natural-log strengths."""
    return BASE_RATING + SCALE * theta / math.log(10)
