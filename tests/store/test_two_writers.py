"""Two processes writing one run at once (SQLite file, PostgreSQL database): no pair duplicated, none lost."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from llmbench.store import close_database, open_run_store, run_spec
from llmbench.store.schema import RESULTS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from writer_process import ITEMS, MODELS, N_ITEMS  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of our own on the local PostgreSQL, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432: {error}")
    name = f"llmbench_test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        try:
            yield url
        finally:
            close_database(url)
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _two_writers(url: str) -> None:
    store = open_run_store(url)
    record = store.begin_run(run_spec("shared", ITEMS, MODELS, []))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    # Overlapping halves: items 100..199 are written by both processes at once.
    procs = [
        subprocess.Popen([sys.executable, str(HERE / "writer_process.py"), url, record.run_id, *span], env=env)
        for span in (("0", "200"), ("100", str(N_ITEMS)))
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]

    with store.db.engine.connect() as conn:
        keys = conn.execute(select(RESULTS.c.model, RESULTS.c.item_id)).all()
        per_pair = conn.execute(
            select(func.count()).select_from(RESULTS).group_by(RESULTS.c.model, RESULTS.c.item_id)
        ).scalars()
        assert set(per_pair) == {1}
    assert len(keys) == len(set(keys)) == N_ITEMS * len(MODELS)
    assert {k[1] for k in keys} == {item.id for item in ITEMS}
    assert store.finish_run(record.run_id).value == "complete"


def test_two_writers_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    _two_writers(url)
    close_database(url)


def test_two_writers_on_postgresql(pg_url: str) -> None:
    _two_writers(pg_url)
