"""Runs and their results: a record per run, and every (model, item) outcome the moment it completes.

A run is found again by its *benchmark key* (:func:`llmbench.store.keys.benchmark_key`): a rerun of the same
benchmark, or a Prefect retry of its flow, resumes the latest unfinished run of that key, and ``resume=<run id>``
resumes a named one. Run ids are derived from the key and the number of complete runs before, so processes
starting the same benchmark at once agree on one run instead of creating two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from llmbench.errors import RunNotFound, StoreError
from llmbench.store.database import Database, open_database
from llmbench.store.keys import benchmark_key, dataset_hash, model_fingerprint
from llmbench.store.schema import RESULTS, RUNS, describe, insert_ignore
from llmbench.store.writer import Write
from llmbench.types import DatasetItem, ModelConfig, ModelResult

__all__ = ["RunRecord", "RunSpec", "RunStatus", "RunStore", "open_run_store", "run_spec"]


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RunSpec(BaseModel):
    """What identifies a benchmark, as shown in its record: no key, no header value, no store URL."""

    name: str
    benchmark_key: str
    dataset_hash: str
    n_items: int
    models: list[dict[str, Any]]
    metrics: list[str]
    settings: dict[str, Any] = Field(default_factory=dict, description="Non-secret settings, e.g. concurrency")

    @property
    def n_pairs(self) -> int:
        return self.n_items * len(self.models)


def run_spec(
    name: str,
    items: Sequence[DatasetItem],
    models: Sequence[ModelConfig],
    metrics: Sequence[str],
    settings: dict[str, Any] | None = None,
) -> RunSpec:
    """The spec of a benchmark, with its key; ``settings`` must hold nothing secret (e.g. ``run_params``)."""
    return RunSpec(
        name=name,
        benchmark_key=benchmark_key(name, items, models, metrics),
        dataset_hash=dataset_hash(items),
        n_items=len(items),
        models=[model_fingerprint(m) for m in models],
        metrics=list(metrics),
        settings=dict(settings or {}),
    )


class RunRecord(BaseModel):
    run_id: str
    benchmark_key: str
    name: str
    status: RunStatus
    spec: RunSpec
    n_pairs: int
    created_at: float
    updated_at: float
    resumed: bool = Field(default=False, description="True when this call found the run already started")


class RunStore:
    """Run records and per-pair results in one :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self.location = database.location
        self._insert_result = insert_ignore(database.engine, RESULTS, ["run_id", "model", "item_id", "request_hash"])

    # ------------------------------------------------------------------------------------------------ runs

    def begin_run(self, spec: RunSpec, resume: str | None = None) -> RunRecord:
        """The run to record into: ``resume`` when given, else the unfinished run of this benchmark, else a new one."""
        if resume:
            return self._resume_named(resume, spec)
        complete = self._count(select(func.count()).select_from(RUNS).where(self._complete_of(spec.benchmark_key)))
        run_id = f"{spec.benchmark_key[:12]}-{complete + 1}"
        now = time.time()
        row = {
            "run_id": run_id,
            "benchmark_key": spec.benchmark_key,
            "name": spec.name,
            "status": RunStatus.RUNNING.value,
            "spec": spec.model_dump_json(),
            "n_pairs": spec.n_pairs,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.db.engine.begin() as conn:
                created = conn.execute(insert_ignore(self.db.engine, RUNS, ["run_id"]), [row]).rowcount == 1
                if not created:  # resumed: mark it running again (a blind write of its status)
                    conn.execute(
                        update(RUNS)
                        .where(RUNS.c.run_id == run_id, RUNS.c.status != RunStatus.COMPLETE.value)
                        .values(status=RunStatus.RUNNING.value, updated_at=now)
                    )
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot record run {run_id}: {describe(error)}") from error
        record = self.get_run(run_id)
        return record.model_copy(update={"resumed": not created})

    def _complete_of(self, key: str) -> Any:
        return (RUNS.c.benchmark_key == key) & (RUNS.c.status == RunStatus.COMPLETE.value)

    def _resume_named(self, run_id: str, spec: RunSpec) -> RunRecord:
        record = self.get_run(run_id)
        if record.benchmark_key != spec.benchmark_key:
            raise StoreError(
                f"run {run_id} is another benchmark ({record.name}: {len(record.spec.models)} models, "
                f"{record.spec.n_items} items, metrics {','.join(record.spec.metrics)}); resume it with the same "
                "dataset, models and metrics, or drop --resume"
            )
        self.set_status(run_id, RunStatus.RUNNING)
        return record.model_copy(update={"status": RunStatus.RUNNING, "resumed": True})

    def get_run(self, run_id: str) -> RunRecord:
        try:
            with self.db.engine.connect() as conn:
                row = conn.execute(select(RUNS).where(RUNS.c.run_id == run_id)).mappings().first()
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot read run {run_id}: {describe(error)}") from error
        if row is None:
            raise RunNotFound(
                f"no run {run_id!r} in the result store {self.location}; a run id is printed in its report"
            )
        return _record(row)

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        """Newest first."""
        query = select(RUNS).order_by(RUNS.c.updated_at.desc()).limit(limit)
        try:
            with self.db.engine.connect() as conn:
                return [_record(row) for row in conn.execute(query).mappings()]
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot list runs: {describe(error)}") from error

    def set_status(self, run_id: str, status: RunStatus) -> None:
        """A blind write of one run's status (last writer wins; no shared row is read to be written back)."""
        self.flush()
        try:
            with self.db.engine.begin() as conn:
                conn.execute(
                    update(RUNS).where(RUNS.c.run_id == run_id).values(status=status.value, updated_at=time.time())
                )
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot update run {run_id}: {describe(error)}") from error

    def finish_run(self, run_id: str, *, failed: bool = False, interrupted: bool = False) -> RunStatus:
        """Record how a run ended: complete only when every pair of it is stored, else interrupted or failed."""
        if failed:
            status = RunStatus.FAILED
        elif interrupted:
            status = RunStatus.INTERRUPTED
        else:
            record = self.get_run(run_id)
            done = self.count_results(run_id)
            status = RunStatus.COMPLETE if done >= record.n_pairs else RunStatus.INTERRUPTED
        self.set_status(run_id, status)
        return status

    # ------------------------------------------------------------------------------------------------ results

    def record_result(self, run_id: str, result: ModelResult, request_hash: str) -> None:
        """Queue one outcome for the writer thread; a pair already stored is kept as it was."""
        row = {
            "run_id": run_id,
            "model": result.model,
            "item_id": result.item_id,
            "request_hash": request_hash,
            "success": result.success,
            "cached": result.cached,
            "attempts": result.attempts,
            "data": result.model_dump_json(),
            "created_at": time.time(),
        }
        self.db.writer.put(Write(self._insert_result, [row], "result"))

    def done_pairs(self, run_id: str, model: str) -> dict[tuple[str, str], ModelResult]:
        """Stored outcomes of ``model`` in the run, keyed by (item id, request hash)."""
        query = select(RESULTS.c.item_id, RESULTS.c.request_hash, RESULTS.c.data).where(
            RESULTS.c.run_id == run_id, RESULTS.c.model == model
        )
        try:
            with self.db.engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot read run {run_id}: {describe(error)}") from error
        return {(item, key): ModelResult.model_validate_json(data) for item, key, data in rows}

    def run_results(self, run_id: str) -> list[ModelResult]:
        """Every stored outcome of a run, ordered by model then item."""
        query = select(RESULTS.c.data).where(RESULTS.c.run_id == run_id).order_by(RESULTS.c.model, RESULTS.c.item_id)
        try:
            with self.db.engine.connect() as conn:
                return [ModelResult.model_validate_json(data) for (data,) in conn.execute(query)]
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot read run {run_id}: {describe(error)}") from error

    def count_results(self, run_id: str) -> int:
        return self._count(select(func.count()).select_from(RESULTS).where(RESULTS.c.run_id == run_id))

    def _count(self, query: Any) -> int:
        try:
            with self.db.engine.connect() as conn:
                return int(conn.execute(query).scalar_one())
        except SQLAlchemyError as error:
            raise StoreError(f"result store {self.location}: cannot read: {describe(error)}") from error

    def flush(self) -> None:
        """Wait until every queued result is committed."""
        self.db.writer.flush()


def _record(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row["run_id"],
        benchmark_key=row["benchmark_key"],
        name=row["name"],
        status=RunStatus(row["status"]),
        spec=RunSpec.model_validate(json.loads(row["spec"])),
        n_pairs=row["n_pairs"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def open_run_store(url: str | None = None) -> RunStore:
    """The run store on the shared database of ``url`` (default: the llmbench home's ``store.db``)."""
    return RunStore(open_database(url))
