"""What identifies a request (the cache key and the pair key) and a benchmark (the run key): SHA-256 hex digests.

A request is identified by everything that can change the answer: provider, model, endpoint, every sampling
parameter, extra headers, the messages and any other field of the request (a structured-output schema included,
whatever its name), so a change of any of them is a different request. The API key is not part of it: another
key gets the same answer. A simulated model answers from the item itself (its reference) and its simulation
spec, so for it those count too. Only digests are stored, never the values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from llmbench.types import DatasetItem, GenerateRequest, ModelConfig

__all__ = ["benchmark_key", "dataset_hash", "model_fingerprint", "request_hash"]

#: Bump when the meaning of a key changes, so old cache entries are never served for new requests.
KEY_VERSION = 1
_SAMPLING = ("temperature", "max_tokens", "top_p", "stop", "stream")


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _endpoint(config: ModelConfig) -> dict[str, Any]:
    data = config.model_dump(mode="json", include={"provider", "model", "base_url", *_SAMPLING})
    data["headers"] = sorted(config.headers.items())
    if config.simulation is not None:
        data["simulation"] = config.simulation.model_dump(mode="json")
    return data


def request_hash(config: ModelConfig, request: GenerateRequest, *, simulated: bool = False) -> str:
    """The key of one call: the same digest means the same answer can be reused."""
    body = request.model_dump(mode="json", exclude={"item"})
    if simulated and request.item is not None:
        body["item"] = request.item.model_dump(mode="json")
    return _digest({"v": KEY_VERSION, "endpoint": _endpoint(config), "request": body})


def model_fingerprint(config: ModelConfig) -> dict[str, Any]:
    """What a run record shows of a model: identifier, endpoint, sampling; header names only, never values."""
    data = config.model_dump(mode="json", include={"provider", "model", "base_url", *_SAMPLING})
    data["identifier"] = config.identifier
    if config.headers:
        data["header_names"] = sorted(config.headers)
    return data


def dataset_hash(items: Sequence[DatasetItem]) -> str:
    """The digest of the items a run uses (after ``limit``), in order."""
    return _digest([item.model_dump(mode="json") for item in items])


def benchmark_key(
    name: str, items: Sequence[DatasetItem], models: Sequence[ModelConfig], metrics: Sequence[str]
) -> str:
    """Same dataset items, models (with endpoints, sampling and headers) and metrics: the same benchmark."""
    return _digest(
        {
            "v": KEY_VERSION,
            "name": name,
            "dataset": dataset_hash(items),
            "models": [_endpoint(m) for m in models],
            "metrics": list(metrics),
        }
    )
