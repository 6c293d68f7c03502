"""The response cache over real HTTP: hits make no call, errors are never cached, entries expire, keys are exact."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmbench.execution import ModelRunner, RetryPolicy, build_request
from llmbench.mock_server import MockServer
from llmbench.store import RunJournal, close_database, open_cache, open_run_store, request_hash, run_spec, spend_summary
from llmbench.types import DatasetItem, ModelConfig, ModelResult, Price

POLICY = RetryPolicy(max_attempts=2, backoff_initial_seconds=0.001, backoff_max_seconds=0.002, timeout_seconds=5)
ITEMS = [DatasetItem(id=f"c{i}", prompt=f"Name a colour number {i}.") for i in range(6)]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    location = f"sqlite:///{tmp_path}/cache.db"
    yield location
    close_database(location)


def _model(server: MockServer, **overrides: object) -> ModelConfig:
    price = Price(input_per_mtok=1.0, output_per_mtok=2.0)
    values: dict[str, object] = {
        "provider": "openai",
        "model": "gpt-mock-mini",
        "base_url": server.openai_base_url,
        "price": price,
        "headers": {"x-mock-fault-key": uuid.uuid4().hex},  # tags this test's requests in the server log
    }
    return ModelConfig.model_validate({**values, **overrides})


def _calls(server: MockServer, model: ModelConfig) -> int:
    key = model.headers["x-mock-fault-key"]
    return sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key)


def _run(model: ModelConfig, url: str, ttl_hours: float = 1.0, items: list[DatasetItem] = ITEMS) -> list[ModelResult]:
    async def go() -> list[ModelResult]:
        journal = RunJournal(cache=open_cache(url, ttl_hours))
        return await ModelRunner(model, policy=POLICY, journal=journal).run(items)

    return asyncio.run(go())


def test_a_repeated_request_is_served_from_the_cache_with_its_original_latency_and_cost(server, url) -> None:
    model = _model(server)
    first = _run(model, url)
    assert _calls(server, model) == len(ITEMS) and not any(r.cached for r in first)
    second = _run(model, url)
    assert _calls(server, model) == len(ITEMS)  # no call at all
    assert all(r.cached and r.attempts == 0 for r in second)
    for before, after in zip(first, second, strict=True):
        assert after.response == before.response and after.item_id == before.item_id
        assert after.latency_ms == before.latency_ms and after.usage == before.usage
        assert after.cost_usd == before.cost_usd and after.cost_usd is not None
    spend = spend_summary(second)
    assert spend.n_cached == len(ITEMS) and spend.spent_usd == 0.0
    assert spend.cached_usd == pytest.approx(sum(r.cost_usd or 0 for r in first))


def test_errors_are_never_cached(server, url) -> None:
    model = _model(server)
    failing = model.model_copy(update={"headers": {**model.headers, "x-mock-fault": "server_error"}})
    assert not any(r.success for r in _run(failing, url))
    assert open_cache(url).stats().entries == 0
    assert not any(r.cached for r in _run(failing, url))
    assert _calls(server, model) == 2 * len(ITEMS) * POLICY.max_attempts


def test_entries_older_than_the_ttl_are_not_served(server, url) -> None:
    model = _model(server)
    _run(model, url, ttl_hours=1.0)
    time.sleep(0.05)
    again = _run(model, url, ttl_hours=0.01 / 3600)  # 10 ms
    assert not any(r.cached for r in again) and _calls(server, model) == 2 * len(ITEMS)
    assert all(r.cached for r in _run(model, url, ttl_hours=1.0))  # refreshed by the second run


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.2},
        {"top_p": 0.5},
        {"max_tokens": 77},
        {"stop": ["\n\n"]},
        {"stream": True},
        {"model": "gpt-mock-large"},
        {"base_url": "http://127.0.0.1:1/v1"},
        {"headers": {"x-extra": "1"}},
    ],
    ids=lambda c: next(iter(c)),
)
def test_any_sampling_parameter_or_endpoint_changes_the_key(server, change: dict[str, object]) -> None:
    model = _model(server)
    request = build_request(ITEMS[0])
    assert request_hash(model, request) != request_hash(model.model_copy(update=change), request)
    assert request_hash(model, request) == request_hash(model.model_copy(), build_request(ITEMS[0]))


def test_the_api_key_and_item_id_are_not_part_of_the_key(server) -> None:
    from pydantic import SecretStr

    model = _model(server)
    request = build_request(ITEMS[0])
    same_prompt = build_request(ITEMS[0].model_copy(update={"id": "other"}))
    assert request_hash(model, request) == request_hash(model.model_copy(update={"api_key": SecretStr("k")}), request)
    assert request_hash(model, request) == request_hash(model, same_prompt)
    assert request_hash(model, request) != request_hash(model, build_request(ITEMS[1]))


def test_stats_and_clear(server, url) -> None:
    model = _model(server)
    other = _model(server, model="gpt-mock-large")
    store = open_run_store(url)
    record = store.begin_run(run_spec("colours", ITEMS, [model], []))

    async def go(config: ModelConfig) -> list[ModelResult]:
        journal = RunJournal(store, record.run_id, open_cache(url))
        return await ModelRunner(config, policy=POLICY, journal=journal).run(ITEMS)

    asyncio.run(go(other))
    cache = open_cache(url)
    stats = cache.stats()
    assert stats.entries == len(ITEMS) and stats.size_bytes > 0 and stats.oldest <= stats.newest
    assert (stats.last_run_id, stats.last_run_hits, stats.last_run_misses) == (record.run_id, 0, len(ITEMS))

    second = store.begin_run(run_spec("colours-2", ITEMS, [model], []))
    _run(model, url)  # fills the cache for `model`, outside any run

    async def again() -> None:
        journal = RunJournal(store, second.run_id, open_cache(url))
        await ModelRunner(model, policy=POLICY, journal=journal).run(ITEMS[:4])

    asyncio.run(again())
    stats = cache.stats()
    assert (stats.last_run_id, stats.last_run_hits, stats.last_run_misses) == (second.run_id, 4, 0)

    assert cache.clear(model="openai/gpt-mock-large") == len(ITEMS)
    assert cache.clear(older_than_hours=1) == 0
    assert cache.clear() == len(ITEMS) and cache.stats().entries == 0
