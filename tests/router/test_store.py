import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmbench.errors import ProfileStoreError
from llmbench.home import home_paths
from llmbench.router import (
    SCHEMA_VERSION,
    JsonProfileStore,
    ModelProfile,
    ProfileStore,
    SqlProfileStore,
    export_profiles,
    import_profiles,
    open_store,
)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
UPDATES = 100
REPO = Path(__file__).resolve().parents[2]

# Each worker folds UPDATES one-result batches into the store; every batch adds exactly one sample.
WORKER = """
import sys
from llmbench.router import open_store, update_profiles
from llmbench.types import ModelResult
store = open_store(sys.argv[1])
result = ModelResult(model="p/shared", success=True, latency_ms=100.0, scores={"q": 0.5})
for _ in range(int(sys.argv[2])):
    update_profiles(store, [result], {}, weight=0.1, quality_of=lambda r: r.scores["q"])
"""


def profile(q: float) -> ModelProfile:
    return ModelProfile(quality_score=q, avg_latency_ms=100, cost_per_1k_tokens=0.01, sample_count=3)


def bump(model: str, current: ModelProfile | None) -> ModelProfile:
    p = current or profile(0.5)
    p.overall = p.overall.model_copy(update={"sample_count": p.overall.sample_count + 1})
    p.sync()
    return p


def exercise(store: ProfileStore) -> None:
    assert store.load() == {}
    store.update(["p/a", "p/b"], bump)
    store.update(["p/a"], bump)
    loaded = store.load()
    assert loaded["p/a"].sample_count == 5 and loaded["p/b"].sample_count == 4
    assert loaded["p/a"].model == "p/a"
    store.replace_all({"p/c": profile(0.9)}, merge=True)
    assert sorted(store.load()) == ["p/a", "p/b", "p/c"]
    assert store.reset(["p/a", "p/zz"]) == 1
    assert sorted(store.load()) == ["p/b", "p/c"]
    store.replace_all({"p/d": profile(0.1)}, merge=False)
    assert sorted(store.load()) == ["p/d"]
    assert store.reset() == 1 and store.load() == {}


def run_workers(location: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, location, str(UPDATES)], cwd=REPO, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    final = open_store(location).load()["p/shared"]
    assert final.sample_count == 2 * UPDATES  # no update lost
    assert final.quality_score == pytest.approx(0.5)


def test_json_store(tmp_path):
    store = open_store(tmp_path / "sub" / "profiles.json")
    assert isinstance(store, JsonProfileStore) and isinstance(store, ProfileStore)
    exercise(store)
    doc = json.loads((tmp_path / "sub" / "profiles.json").read_text())
    assert doc == {"schema_version": SCHEMA_VERSION, "profiles": {}}


def test_json_store_reads_the_seed_form(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"openai/gpt-4o": {"quality_score": 0.9, "avg_latency_ms": 800, "sample_count": 2}}))
    (p,) = JsonProfileStore(path).load().values()
    assert p.model == "openai/gpt-4o" and p.overall.quality_mean == 0.9 and p.sample_count == 2


def test_corrupt_json_is_a_clear_error_and_never_overwritten(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text('{"schema_version": 1, "profiles": {"p/a": ')
    store = JsonProfileStore(path)
    with pytest.raises(ProfileStoreError, match="corrupt"):
        store.load()
    with pytest.raises(ProfileStoreError, match="corrupt"):
        store.update(["p/a"], bump)
    assert path.read_text() == '{"schema_version": 1, "profiles": {"p/a": '
    path.write_text(json.dumps({"schema_version": 1, "profiles": {"p/a": {"quality_score": "high"}}}))
    with pytest.raises(ProfileStoreError, match="invalid profile of 'p/a'"):
        store.load()
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1, "profiles": {}}))
    with pytest.raises(ProfileStoreError, match="newer"):
        store.load()


def test_export_and_import(tmp_path):
    source = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    source.update(["p/a", "p/b"], bump)
    assert export_profiles(source, tmp_path / "out.json") == 2
    target = open_store(tmp_path / "target.json")
    target.update(["p/z"], bump)
    assert import_profiles(target, tmp_path / "out.json") == 2
    assert sorted(target.load()) == ["p/a", "p/b", "p/z"]
    assert import_profiles(target, tmp_path / "out.json", merge=False) == 2
    assert sorted(target.load()) == ["p/a", "p/b"]
    assert target.load() == source.load()
    with pytest.raises(ProfileStoreError, match="import file not found"):
        import_profiles(target, tmp_path / "missing.json")


def test_sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'profiles.db'}")
    assert isinstance(store, SqlProfileStore)
    exercise(store)


def test_bad_url_is_a_store_error():
    with pytest.raises(ProfileStoreError, match="cannot open"):
        open_store("nosuchdialect://x/y")


def test_concurrent_updates_json(tmp_path):
    run_workers(str(tmp_path / "profiles.json"))


def test_concurrent_updates_sqlite(tmp_path):
    run_workers(f"sqlite:///{tmp_path / 'profiles.db'}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    name = f"llmbench_test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_store(pg_url):
    store = open_store(pg_url)
    exercise(store)
    assert isinstance(store, SqlProfileStore)
    store.close()


def test_concurrent_updates_postgres(pg_url):
    run_workers(pg_url)


def test_default_location_is_the_json_file():
    store = open_store()
    assert isinstance(store, JsonProfileStore) and store.path == home_paths().profiles
