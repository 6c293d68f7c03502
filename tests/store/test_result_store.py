"""The result store: outcomes persisted as they complete, runs resumed without a call, schema versions checked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from llmbench.comparison import ComparisonEngine
from llmbench.errors import RunNotFound, StoreError
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.providers.sim import sim_stats
from llmbench.store import (
    RunJournal,
    RunStatus,
    StoreSettings,
    close_database,
    open_cache,
    open_run_store,
    run_spec,
)
from llmbench.types import ComparisonConfig, DatasetItem, ModelConfig, SimSpec

POLICY = RetryPolicy(max_attempts=2, backoff_initial_seconds=0.001, backoff_max_seconds=0.002)
ITEMS = [DatasetItem(id=f"q{i:02d}", prompt=f"What is fact number {i}?", reference=f"Fact {i}.") for i in range(12)]


def _model(name: str = "steady", latency_ms: float = 5, failure_rate: float = 0.0) -> ModelConfig:
    spec = SimSpec(quality=0.7, latency_ms=latency_ms, jitter=0, failure_rate=failure_rate, seed=3)
    return ModelConfig(provider="sim", model=name, simulation=spec)


@pytest.fixture
def url(tmp_path: Path):
    location = f"sqlite:///{tmp_path}/store.db"
    yield location
    close_database(location)


def _engine(url: str, models: list[ModelConfig], cache: bool = False) -> ComparisonEngine:
    config = ComparisonConfig(models=models, metrics=["coherence"], concurrency_limit=4)
    return ComparisonEngine(config, policy=POLICY, store=StoreSettings(url=SecretStr(url), cache=cache))


def _rows(result) -> list[dict]:
    return [r.model_dump(exclude={"cached"}) for r in sorted(result.results, key=lambda r: (r.model, r.item_id))]


def test_a_run_is_recorded_complete_with_every_pair(url: str) -> None:
    models = [_model("a"), _model("b", failure_rate=0.3)]
    result = asyncio.run(_engine(url, models).run(ITEMS, name="facts"))
    store = open_run_store(url)
    record = store.get_run(result.run_id)
    assert record.status is RunStatus.COMPLETE and record.n_pairs == 24
    stored = store.run_results(result.run_id)
    assert len(stored) == 24 and sum(not r.success for r in stored) == sum(not r.success for r in result.results)
    assert any(not r.success for r in stored)  # failures are persisted too
    assert "api_key" not in record.spec.model_dump_json()


def test_cancelled_halfway_leaves_exactly_its_finished_pairs_and_resume_calls_only_the_rest(url: str) -> None:
    model = _model(latency_ms=20)
    spec = run_spec("facts", ITEMS, [model], ["coherence"])
    store = open_run_store(url)
    record = store.begin_run(spec)
    runner = ModelRunner(model, semaphore=asyncio.Semaphore(1), journal=RunJournal(store, record.run_id))

    async def cancel_halfway() -> None:
        task = asyncio.create_task(runner.run(ITEMS))
        while len(runner.finished) < len(ITEMS) // 2:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_halfway())
    finished = set(runner.finished)
    assert 0 < len(finished) < len(ITEMS)
    assert {r.item_id for r in store.run_results(record.run_id)} == finished  # committed on cancellation
    store.finish_run(record.run_id, interrupted=True)

    sim_stats().reset()
    resumed = store.begin_run(spec)
    assert resumed.run_id == record.run_id and resumed.resumed
    again = ModelRunner(model, journal=RunJournal(store, resumed.run_id))
    rows = asyncio.run(again.run(ITEMS))
    assert sim_stats().calls == len(ITEMS) - len(finished)  # no call for a pair already done
    assert [r.item_id for r in rows] == [i.id for i in ITEMS]
    assert store.finish_run(record.run_id) is RunStatus.COMPLETE


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path: Path) -> None:
    models = [_model("a", latency_ms=30), _model("b", latency_ms=45, failure_rate=0.25)]
    whole = asyncio.run(_engine(f"sqlite:///{tmp_path}/whole.db", models).run(ITEMS, name="facts"))

    url = f"sqlite:///{tmp_path}/cut.db"
    engine = _engine(url, models)
    engine.config.timeout_seconds = 1  # ComparisonConfig minimum; the run is cut by cancelling it instead

    async def interrupted() -> None:
        # Cut as soon as the first outcome is stored (not after a fixed sleep: a loaded machine may store none).
        task = asyncio.create_task(engine.run(ITEMS, name="facts"))
        watch = open_run_store(url)
        for _ in range(2000):
            await asyncio.sleep(0.005)
            runs = watch.list_runs()
            if runs and watch.count_results(runs[0].run_id) > 0:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    store = open_run_store(url)
    [cut] = store.list_runs()
    assert cut.status is RunStatus.INTERRUPTED and 0 < store.count_results(cut.run_id) < 24

    done = {(r.model, r.item_id) for r in store.run_results(cut.run_id)}
    sim_stats().reset()
    resumed = asyncio.run(_engine(url, models).run(ITEMS, name="facts"))
    assert resumed.run_id == cut.run_id
    called = [r for r in resumed.results if (r.model, r.item_id) not in done]
    assert len(called) == 24 - len(done) and sim_stats().calls == sum(r.attempts for r in called)
    assert _rows(resumed) == _rows(whole)
    assert [r.model for r in resumed.rankings] == [r.model for r in whole.rankings]
    assert store.get_run(cut.run_id).status is RunStatus.COMPLETE
    for path in ("whole.db", "cut.db"):
        close_database(f"sqlite:///{tmp_path}/{path}")


def test_a_rerun_after_a_complete_run_is_a_new_run(url: str) -> None:
    engine = _engine(url, [_model()])
    first = asyncio.run(engine.run(ITEMS, name="facts"))
    second = asyncio.run(engine.run(ITEMS, name="facts"))
    assert first.run_id != second.run_id
    other = asyncio.run(_engine(url, [_model(latency_ms=6)]).run(ITEMS, name="facts"))
    assert other.run_id.split("-")[0] != first.run_id.split("-")[0]  # another benchmark, another key


def test_resume_names_a_run_and_refuses_another_benchmark(url: str) -> None:
    store = open_run_store(url)
    spec = run_spec("facts", ITEMS, [_model()], ["coherence"])
    record = store.begin_run(spec)
    assert store.begin_run(spec, resume=record.run_id).resumed
    with pytest.raises(RunNotFound, match="no run 'nope'"):
        store.begin_run(spec, resume="nope")
    other = run_spec("facts", ITEMS[:3], [_model()], ["coherence"])
    with pytest.raises(StoreError, match=f"run {record.run_id} is another benchmark"):
        store.begin_run(other, resume=record.run_id)


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/future.db"
    open_run_store(url)
    close_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE llmbench_store_meta SET value = '99' WHERE key = 'store_schema'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"schema version 99, newer than this llmbench understands \(1\)") as info:
        open_run_store(url)
    assert "\n" not in str(info.value)


def test_an_unusable_store_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot"):
        open_run_store(f"sqlite:///{tmp_path}/file/store.db")
    with pytest.raises(StoreError, match="cannot open result store"):
        open_run_store("nosuchdialect://x")


def test_nothing_secret_is_stored(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model().model_copy(update={"api_key": SecretStr("sk-canary-123456789"), "headers": {"x-t": "hv-1"}})
    asyncio.run(_engine(url, [model], cache=True).run(ITEMS[:2], name="facts"))
    close_database(url)
    dump = Path(url.removeprefix("sqlite:///")).read_bytes()
    assert b"sk-canary" not in dump and b"hv-1" not in dump
    assert open_cache(url).stats().entries == 2


def test_run_spec_shows_models_and_settings_without_secrets() -> None:
    model = ModelConfig(provider="openai", model="m", headers={"Authorization": "Bearer abc"}, api_key_env="K")
    spec = run_spec("n", ITEMS, [model], ["relevance"], {"concurrency": 3})
    data = json.loads(spec.model_dump_json())
    assert data["models"][0]["header_names"] == ["Authorization"] and "Bearer abc" not in spec.model_dump_json()
    assert data["settings"] == {"concurrency": 3} and spec.n_pairs == 12


def test_the_store_package_exports_what_it_claims() -> None:
    import llmbench.store

    assert [name for name in llmbench.store.__all__ if not hasattr(llmbench.store, name)] == []


def test_a_failed_write_is_reported_when_the_runner_ends(url: str) -> None:
    store = open_run_store(url)
    record = store.begin_run(run_spec("facts", ITEMS, [_model()], []))
    with store.db.engine.begin() as conn:  # every insert of a result now fails, as on a full disk
        conn.execute(
            text("CREATE TRIGGER refuse BEFORE INSERT ON llmbench_results BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        )
    runner = ModelRunner(_model(), journal=RunJournal(store, record.run_id))
    with pytest.raises(StoreError, match=r"a write failed: .*disk full") as info:
        asyncio.run(runner.run(ITEMS[:3]))
    assert "\n" not in str(info.value)
    assert len(runner.finished) == 3  # the answers themselves are still there for the caller
