"""Opening the store's database: SQLite under the llmbench home by default, PostgreSQL when shared.

SQLite runs in WAL mode (readers never wait for the writer) with a busy timeout, so several processes on one
machine can write the same file; PostgreSQL is what several machines share. One engine and one writer thread per
URL and process: every runner of a run shares them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from llmbench.errors import StoreError
from llmbench.home import home_paths
from llmbench.store.schema import describe, ensure_schema
from llmbench.store.writer import BatchWriter

__all__ = ["BUSY_TIMEOUT_S", "Database", "close_database", "default_store_url", "open_database", "redact_url"]

#: How long a SQLite writer waits for another process's transaction before failing.
BUSY_TIMEOUT_S = 30.0


def default_store_url() -> str:
    """``sqlite:///<llmbench home>/store.db``."""
    return home_paths().store_url


def redact_url(url: str) -> str:
    """The URL as it may be shown: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _normalise(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver llmbench ships), not SQLAlchemy's psycopg2 default."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """An engine on the store, its writer thread, and where it is (``location``: the URL without password)."""

    def __init__(self, url: str) -> None:
        self.url = _normalise(url)
        self.location = redact_url(self.url)
        self.engine = self._create_engine()
        ensure_schema(self.engine, self.location)
        self.writer = BatchWriter(self.engine, self.location)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _create_engine(self) -> Engine:
        kwargs: dict[str, Any] = {}
        sqlite = self.url.startswith("sqlite")
        if sqlite:
            _make_parent(self.url, self.location)
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(self.url, **kwargs)
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise StoreError(f"cannot open result store {self.location}: {describe(error)}") from error
        if sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _make_parent(url: str, location: str) -> None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the directory of result store {location}: {error}") from error


_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(url: str | None = None) -> Database:
    """The process's shared :class:`Database` for ``url`` (default :func:`default_store_url`)."""
    key = _normalise(url or default_store_url())
    with _OPEN_LOCK:
        database = _OPEN.get(key)
        if database is None:
            database = _OPEN[key] = Database(key)
        return database


def close_database(url: str | None = None) -> None:
    """Flush and forget the shared database of ``url`` (tests, and ``cache clear`` before deleting a file)."""
    key = _normalise(url or default_store_url())
    with _OPEN_LOCK:
        database = _OPEN.pop(key, None)
    if database is not None:
        database.close()
