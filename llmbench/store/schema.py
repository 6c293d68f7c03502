"""The tables of the result store, and the check that a database holds a schema this llmbench understands.

Times are epoch seconds (floats) so SQLite and PostgreSQL compare them alike. Rows are written by several
processes at once (shards of one run on several machines), so every write is an idempotent insert keyed by what
identifies the row, or a blind update of one run's status: nothing reads a shared row to write it back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from llmbench.errors import StoreError

__all__ = [
    "CACHE",
    "HOLDERS",
    "META",
    "METADATA",
    "RESULTS",
    "RUNS",
    "SCHEMA_VERSION",
    "describe",
    "ensure_schema",
    "insert_ignore",
    "upsert",
]

SCHEMA_VERSION = 1
_SCHEMA_KEY = "store_schema"
#: Serialises schema creation between processes opening a new PostgreSQL database at once.
_PG_SCHEMA_LOCK = 7201509

METADATA = MetaData()

META = Table(
    "llmbench_store_meta",
    METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

RUNS = Table(
    "llmbench_runs",
    METADATA,
    Column("run_id", String(64), primary_key=True),
    Column("benchmark_key", String(64), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("spec", Text, nullable=False),  # JSON: dataset hash, models, metrics, sampling settings; nothing secret
    Column("n_pairs", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

RESULTS = Table(
    "llmbench_results",
    METADATA,
    Column("run_id", String(64), primary_key=True),
    Column("model", String(255), primary_key=True),
    Column("item_id", String(255), primary_key=True),
    Column("request_hash", String(64), primary_key=True),
    Column("success", Boolean, nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("data", Text, nullable=False),  # the ModelResult as JSON
    Column("created_at", Float, nullable=False),
)

CACHE = Table(
    "llmbench_cache",
    METADATA,
    Column("request_hash", String(64), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("model", String(255), nullable=False),
    Column("data", Text, nullable=False),  # the unscored, successful ModelResult as JSON
    Column("size", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_llmbench_cache_created_at", "created_at"),
)

HOLDERS = Table(
    "llmbench_slot_holders",
    METADATA,
    Column("lease_id", String(64), primary_key=True),
    Column("limit_name", String(255), nullable=False, index=True),
    Column("slots", Integer, nullable=False),
    Column("server", String(512), nullable=False),  # which Prefect server granted the lease
    Column("run_id", String(64), nullable=True),
    Column("pid", Integer, nullable=False),
    Column("host", String(255), nullable=False),
    Column("acquired_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)


def insert_ignore(engine: Engine, table: Table, keys: list[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the engine's dialect: the idempotent write every writer uses."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table).on_conflict_do_nothing(index_elements=keys)


def upsert(engine: Engine, table: Table, keys: list[str], update: list[str]) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` of ``update`` columns: a blind write, last writer wins."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})


def ensure_schema(engine: Engine, location: str) -> None:
    """Create missing tables and record the schema version; a newer version than ours is refused."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
                METADATA.create_all(conn)
                conn.execute(insert_ignore(engine, META, ["key"]), [{"key": _SCHEMA_KEY, "value": str(SCHEMA_VERSION)}])
                stored = conn.execute(select(META.c.value).where(META.c.key == _SCHEMA_KEY)).scalar_one()
            break
        except SQLAlchemyError as error:
            # SQLite has no schema lock: processes opening a new store at once all see a table missing and all
            # create it; the losers get "already exists" and, on a second look, find the tables made.
            if attempt < 2 and "already exists" in describe(error):
                continue
            raise StoreError(f"cannot open result store {location}: {describe(error)}") from error
    if not stored.isdigit() or int(stored) > SCHEMA_VERSION:
        raise StoreError(
            f"result store {location} has schema version {stored}, newer than this llmbench understands "
            f"({SCHEMA_VERSION}); upgrade llmbench or point [store] url elsewhere"
        )


def describe(error: BaseException) -> str:
    """The first line of a database error (SQLAlchemy appends the statement and a link on further lines)."""
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
