"""Metric-safe names for models and scores: letters, digits and ``_ - .`` only, so any MLflow store takes them."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["metric_key", "model_keys"]


def metric_key(name: str) -> str:
    """``name`` with anything MLflow rejects in a metric name replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def model_keys(models: Iterable[str]) -> dict[str, str]:
    """Metric-safe key of each model, unique even when two identifiers sanitise alike."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for model in models:
        if model in keys:
            continue
        key, n = metric_key(model), 2
        while key in used:
            key, n = f"{metric_key(model)}_{n}", n + 1
        keys[model] = key
        used.add(key)
    return keys
