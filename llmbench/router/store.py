"""Where profiles live: a JSON file by default, or a SQL database shared by workers on several machines.

Both stores make :meth:`ProfileStore.update` one read-modify-write under a lock, so concurrent updates lose
nothing: the JSON store holds a file lock while it reads, applies and atomically replaces the file; the SQL store
runs one transaction that locks the rows it updates (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite). A file or row that cannot be read raises :class:`ProfileStoreError` and is never overwritten.

The default store is ``profiles.json`` in the llmbench home (:mod:`llmbench.home`). Files brought in with
:func:`import_profiles` are checked as strictly as the store (finite values in range, a known schema version, no
empty profile) and their errors name the import file, never the store.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from llmbench.errors import ProfileStoreError
from llmbench.home import home_paths
from llmbench.router.types import ModelProfile
from llmbench.textfiles import decode_utf8

__all__ = [
    "SCHEMA_VERSION",
    "JsonProfileStore",
    "ProfileStore",
    "SqlProfileStore",
    "UpdateFn",
    "export_profiles",
    "import_profiles",
    "open_store",
    "read_import_file",
]

SCHEMA_VERSION = 1
LOCK_TIMEOUT_S = 60.0

#: Given a model and its stored profile (None when absent), return the profile to store.
UpdateFn = Callable[[str, ModelProfile | None], ModelProfile]


@runtime_checkable
class ProfileStore(Protocol):
    """Profiles keyed by model identifier ("provider/model")."""

    location: str

    def load(self) -> dict[str, ModelProfile]: ...

    def update(self, models: Sequence[str], fn: UpdateFn) -> dict[str, ModelProfile]:
        """Atomically replace each model's profile by ``fn(model, current)``; returns the new profiles."""
        ...

    def replace_all(self, profiles: Mapping[str, ModelProfile], *, merge: bool) -> None:
        """Write ``profiles``; with ``merge=False`` every other profile is removed."""
        ...

    def reset(self, models: Iterable[str] | None = None) -> int:
        """Delete the given profiles (all when None); returns how many were deleted."""
        ...


def _parse_profile(model: str, data: Any, where: str) -> ModelProfile:
    if not isinstance(data, dict):
        raise ProfileStoreError(f"{where}: profile of {model!r} is not an object")
    try:
        profile = ModelProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        raise ProfileStoreError(
            f"{where}: invalid profile of {model!r}: {field} = {first.get('input')!r}: {first['msg']}"
        ) from None
    profile.model = model
    return profile


def _dump(profile: ModelProfile) -> dict[str, Any]:
    data: dict[str, Any] = profile.model_dump(mode="json")
    return data


def parse_document(doc: Any, where: str) -> dict[str, ModelProfile]:
    """Profiles from a JSON document: ``{"schema_version": 1, "profiles": {...}}`` or the seed's bare mapping."""
    if not isinstance(doc, dict):
        raise ProfileStoreError(f"{where}: expected a JSON object of profiles")
    if "schema_version" in doc:
        version = doc["schema_version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ProfileStoreError(f"{where}: schema_version {version!r} is not a version (expected {SCHEMA_VERSION})")
        if version > SCHEMA_VERSION:
            raise ProfileStoreError(
                f"{where}: schema_version {version!r} is newer than this llmbench understands ({SCHEMA_VERSION}); "
                "upgrade llmbench"
            )
        doc = doc.get("profiles", {})
        if not isinstance(doc, dict):
            raise ProfileStoreError(f"{where}: 'profiles' must be an object")
    return {model: _parse_profile(model, data, where) for model, data in doc.items()}


def to_document(profiles: Mapping[str, ModelProfile]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "profiles": {m: _dump(p) for m, p in sorted(profiles.items())}}


class JsonProfileStore:
    """A JSON file, replaced atomically under a file lock (``<file>.lock`` beside it)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def _lock(self) -> Any:
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def _read(self) -> dict[str, ModelProfile]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ProfileStoreError(f"cannot read profile store {self.path}: {exc.strerror or exc}") from None
        advice = "it was left untouched: fix or move it, or run `llmbench profiles reset`"
        try:
            doc = json.loads(decode_utf8(raw, self.path, "profile store", ProfileStoreError))
        except ProfileStoreError as exc:
            raise ProfileStoreError(f"{exc}; {advice}") from None
        except json.JSONDecodeError as exc:
            raise ProfileStoreError(f"profile store {self.path} is corrupt ({exc}); {advice}") from None
        return parse_document(doc, f"profile store {self.path}")

    def _write(self, profiles: Mapping[str, ModelProfile]) -> None:
        text = json.dumps(to_document(profiles), indent=2, sort_keys=False)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self) -> dict[str, ModelProfile]:
        return self._read()  # os.replace makes every read see one whole version: no lock needed

    def update(self, models: Sequence[str], fn: UpdateFn) -> dict[str, ModelProfile]:
        with self._lock():
            profiles = self._read()
            new = {m: fn(m, profiles.get(m)) for m in models}
            profiles.update(new)
            self._write(profiles)
        return new

    def replace_all(self, profiles: Mapping[str, ModelProfile], *, merge: bool) -> None:
        with self._lock():
            current = self._read() if merge else {}
            current.update(profiles)
            self._write(current)

    def reset(self, models: Iterable[str] | None = None) -> int:
        with self._lock():
            if models is None:
                if not self.path.exists():
                    return 0
                try:
                    count = len(self._read())
                except ProfileStoreError:
                    count = 0  # resetting is how a user recovers from a corrupt file
                self._write({})
                return count
            profiles = self._read()
            gone = [m for m in models if profiles.pop(m, None) is not None]
            self._write(profiles)
            return len(gone)


class SqlProfileStore:
    """One row per model in table ``llmbench_profiles`` (SQLAlchemy: SQLite locally, PostgreSQL when shared)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, event

        self.location = url
        self._sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self._sqlite:
            kwargs["connect_args"] = {"timeout": LOCK_TIMEOUT_S}
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            self._engine = create_engine(url, **kwargs)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:  # bad URL or missing driver: say which
            raise ProfileStoreError(f"cannot open profile store {url!r}: {exc}") from exc
        if self._sqlite:
            # pysqlite's own transaction handling defers BEGIN; take the write lock up front instead, so a
            # read-modify-write cannot interleave with another process's.
            @event.listens_for(self._engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None

            @event.listens_for(self._engine, "begin")
            def _begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        self._table, self._meta_table = self._define()
        self._ensure_schema()

    def _define(self) -> tuple[Any, Any]:
        from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

        self._metadata = MetaData()
        table = Table(
            "llmbench_profiles",
            self._metadata,
            Column("model", String(255), primary_key=True),
            Column("data", Text, nullable=True),  # NULL: a placeholder row created to be locked
            Column("updated_at", DateTime(timezone=True), nullable=True),
        )
        meta = Table(
            "llmbench_meta", self._metadata, Column("key", String(64), primary_key=True), Column("value", Integer)
        )
        return table, meta

    def _errors(self) -> tuple[type[Exception], ...]:
        from sqlalchemy.exc import SQLAlchemyError

        return (SQLAlchemyError,)

    def _ensure_schema(self) -> None:
        from sqlalchemy import select

        try:
            with self._engine.begin() as conn:
                if self._engine.dialect.name == "postgresql":
                    # Two workers opening a new database at once would both CREATE TABLE; serialise them.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7201508)")
                self._metadata.create_all(conn)
                row = conn.execute(select(self._meta_table.c.value).where(self._meta_table.c.key == "schema")).first()
                if row is None:
                    self._insert_ignore(conn, self._meta_table, [{"key": "schema", "value": SCHEMA_VERSION}], "key")
                elif row[0] > SCHEMA_VERSION:
                    raise ProfileStoreError(
                        f"profile store {self.location} has schema {row[0]}, newer than this llmbench understands "
                        f"({SCHEMA_VERSION}); upgrade llmbench"
                    )
        except self._errors() as exc:
            raise ProfileStoreError(f"cannot open profile store {self.location}: {exc}") from exc

    def _insert_ignore(self, conn: Any, table: Any, rows: list[dict[str, Any]], key: str) -> None:
        if self._engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        conn.execute(insert(table).on_conflict_do_nothing(index_elements=[key]), rows)

    def _parse_row(self, model: str, data: str | None) -> ModelProfile | None:
        if data is None:
            return None
        try:
            parsed = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProfileStoreError(f"{self.location}: stored profile of {model!r} is corrupt ({exc})") from exc
        return _parse_profile(model, parsed, self.location)

    def load(self) -> dict[str, ModelProfile]:
        from sqlalchemy import select

        t = self._table
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(select(t.c.model, t.c.data).order_by(t.c.model)).all()
        except self._errors() as exc:
            raise ProfileStoreError(f"cannot read profile store {self.location}: {exc}") from exc
        parsed = {model: self._parse_row(model, data) for model, data in rows}
        return {m: p for m, p in parsed.items() if p is not None}

    def update(self, models: Sequence[str], fn: UpdateFn) -> dict[str, ModelProfile]:
        from sqlalchemy import select

        t = self._table
        ordered = sorted(set(models))  # one lock order everywhere: no deadlock between workers
        new: dict[str, ModelProfile] = {}
        try:
            with self._engine.begin() as conn:
                self._insert_ignore(conn, t, [{"model": m, "data": None} for m in ordered], "model")
                query = select(t.c.model, t.c.data).where(t.c.model.in_(ordered)).order_by(t.c.model)
                if not self._sqlite:
                    query = query.with_for_update()
                current = {m: self._parse_row(m, d) for m, d in conn.execute(query).all()}
                for model in ordered:
                    new[model] = fn(model, current.get(model))
                self._write_rows(conn, new)
        except self._errors() as exc:
            raise ProfileStoreError(f"cannot update profile store {self.location}: {exc}") from exc
        return {m: new[m] for m in models}

    def _write_rows(self, conn: Any, profiles: Mapping[str, ModelProfile]) -> None:
        from sqlalchemy import bindparam

        t = self._table
        stmt = t.update().where(t.c.model == bindparam("m")).values(data=bindparam("d"), updated_at=bindparam("u"))
        now = datetime.now(UTC)
        rows = [{"m": m, "d": json.dumps(_dump(p)), "u": now} for m, p in profiles.items()]
        if rows:
            conn.execute(stmt, rows)

    def replace_all(self, profiles: Mapping[str, ModelProfile], *, merge: bool) -> None:
        try:
            with self._engine.begin() as conn:
                if not merge:
                    conn.execute(self._table.delete())
                ordered = sorted(profiles)
                if ordered:
                    self._insert_ignore(conn, self._table, [{"model": m, "data": None} for m in ordered], "model")
                    self._write_rows(conn, {m: profiles[m] for m in ordered})
        except self._errors() as exc:
            raise ProfileStoreError(f"cannot write profile store {self.location}: {exc}") from exc

    def reset(self, models: Iterable[str] | None = None) -> int:
        t = self._table
        stmt = t.delete() if models is None else t.delete().where(t.c.model.in_(list(models)))
        try:
            with self._engine.begin() as conn:
                return int(conn.execute(stmt.where(t.c.data.is_not(None))).rowcount or 0)
        except self._errors() as exc:
            raise ProfileStoreError(f"cannot reset profile store {self.location}: {exc}") from exc

    def close(self) -> None:
        self._engine.dispose()


def open_store(url_or_path: str | os.PathLike[str] | None = None) -> ProfileStore:
    """A SQL store for a URL (``sqlite:///profiles.db``, ``postgresql+psycopg://user@host/db``), else a JSON file.

    ``None`` opens the default JSON file, ``profiles.json`` in the llmbench home.
    """
    if url_or_path is None:
        return JsonProfileStore(home_paths().profiles)
    text = os.fspath(url_or_path)
    if "://" in text:
        return SqlProfileStore(text)
    return JsonProfileStore(Path(text).expanduser())


def export_profiles(store: ProfileStore, path: str | os.PathLike[str]) -> int:
    """Write the store's learned profiles to a JSON file (the JSON store's format); returns how many."""
    profiles = store.load()
    JsonProfileStore(path).replace_all(profiles, merge=False)
    return len(profiles)


def read_import_file(path: str | os.PathLike[str]) -> dict[str, ModelProfile]:
    """Profiles of a file to import, checked before the store is touched; errors name the import file."""
    from llmbench.textfiles import read_text

    where = f"import file {path}"
    text = read_text(Path(path), "import file", ProfileStoreError)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileStoreError(f"{where} is not valid JSON ({exc}); nothing was imported") from None
    profiles = parse_document(doc, where)
    if not profiles:
        raise ProfileStoreError(f"{where} holds no profiles; nothing was imported")
    empty = next((m for m, p in sorted(profiles.items()) if not _has_figures(p)), None)
    if empty is not None:
        raise ProfileStoreError(f"{where}: profile of {empty!r} has no quality, latency or cost; nothing was imported")
    return profiles


def _has_figures(profile: ModelProfile) -> bool:
    o = profile.overall
    return any(v is not None for v in (o.quality_mean, o.latency_p50_ms, o.cost_per_1k_tokens)) or bool(
        profile.per_task
    )


def import_profiles(store: ProfileStore, path: str | os.PathLike[str], *, merge: bool = True) -> int:
    """Load profiles from a JSON file (versioned or the seed's bare form) into the store; returns how many."""
    profiles = read_import_file(path)
    store.replace_all(profiles, merge=merge)
    return len(profiles)
