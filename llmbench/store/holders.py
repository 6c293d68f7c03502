"""Who holds provider concurrency slots: one row per lease, renewed by its holder, so a dead holder shows.

Prefect's server keeps leases in its own memory and has no API listing who holds a global concurrency limit;
a temporary server runs no lease expiry at all. So each llmbench process that takes slots records its lease here
(limit, slots, which server granted it, pid and host, expiry) and pushes the expiry forward while it runs. A
holder is *stale* when its expiry passed (it stopped renewing: killed, hung, or its machine died) or, on this
host, when its process is gone: then anyone may free its slots (:mod:`tasks.limits` does, before waiting).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from llmbench.errors import StoreError
from llmbench.store.database import Database, open_database
from llmbench.store.schema import HOLDERS, describe, insert_ignore

__all__ = ["LimitStatus", "SlotHolder", "SlotRegistry", "open_slot_registry", "process_alive"]


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs on this host (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


class SlotHolder(BaseModel):
    """One lease on one limit, as recorded by the process holding it."""

    lease_id: str
    limit_name: str
    slots: int
    server: str = Field(description="Which Prefect server granted the lease (API URL, or a temporary server)")
    run_id: str | None = None
    pid: int
    host: str
    acquired_at: float
    expires_at: float

    def stale(self, now: float | None = None, host: str | None = None) -> bool:
        """Expired, or its process is gone from this host."""
        if self.expires_at < (now if now is not None else time.time()):
            return True
        return self.host == (host or socket.gethostname()) and not process_alive(self.pid)


class LimitStatus(BaseModel):
    """What ``llmbench limits show`` prints for one limit."""

    name: str
    limit: int
    active_slots: int
    holders: list[SlotHolder] = Field(default_factory=list)

    @property
    def held_by_live(self) -> int:
        return sum(h.slots for h in self.holders if not h.stale())

    @property
    def unaccounted(self) -> int:
        """Slots in use that no live llmbench holder of this registry accounts for (another tool, another
        store, or slots leaked by a server that lost its leases: ``limits reset NAME --all`` frees them)."""
        return max(0, self.active_slots - self.held_by_live)


class SlotRegistry:
    """The holders table of a store database. Every write is an insert, a renewal of one's own row, or a
    delete whose row count says who won: freeing a stale holder is claimed by exactly one process."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self.location = database.location

    def add(self, holder: SlotHolder) -> None:
        self._write(insert_ignore(self.db.engine, HOLDERS, ["lease_id"]), [holder.model_dump()])

    def renew(self, lease_id: str, expires_at: float) -> bool:
        """Push one's own expiry; False when the row is gone (another process judged it stale and freed it)."""
        stmt = update(HOLDERS).where(HOLDERS.c.lease_id == lease_id).values(expires_at=expires_at)
        return self._write(stmt) == 1

    def claim(self, lease_id: str) -> bool:
        """Remove a holder's row; True for the one caller that removed it (and so must free its slots)."""
        return self._write(delete(HOLDERS).where(HOLDERS.c.lease_id == lease_id)) == 1

    def holders(self, limit_name: str | None = None) -> list[SlotHolder]:
        query = select(HOLDERS).order_by(HOLDERS.c.limit_name, HOLDERS.c.acquired_at)
        if limit_name is not None:
            query = query.where(HOLDERS.c.limit_name == limit_name)
        try:
            with self.db.engine.connect() as conn:
                return [SlotHolder.model_validate(dict(row)) for row in conn.execute(query).mappings()]
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot read slot holders: {describe(error)}") from error

    def _write(self, stmt: object, rows: list[dict[str, object]] | None = None) -> int:
        try:
            with self.db.engine.begin() as conn:
                result = conn.execute(stmt, rows) if rows is not None else conn.execute(stmt)  # type: ignore[call-overload]
                return int(result.rowcount or 0)
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot record slot holders: {describe(error)}") from error


def open_slot_registry(url: str | None = None) -> SlotRegistry:
    """The registry on the shared database of ``url`` (default: the llmbench home's ``store.db``)."""
    return SlotRegistry(open_database(url))
