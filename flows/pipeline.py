"""The steps every comparison and benchmark share: execute each model, evaluate, rank, analyse."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from prefect import get_run_logger
from prefect.states import State
from prefect.utilities.annotations import quote

from llmbench.comparison import ExecutionOutcome, assemble_result, check_outcome
from llmbench.evaluators import EVALUATORS
from llmbench.runs import RunSettings
from llmbench.store import recording, run_spec
from llmbench.types import ComparisonResult, DatasetItem, ModelConfig, ModelResult
from tasks.evaluate import evaluate
from tasks.execute import execute_model, release_semaphores
from tasks.limits import ensure_provider_limits, hold_provider_slots
from tasks.log import mark_mlflow_failed
from tasks.rank import analyze_results, rank

__all__ = ["TASK_TIMEOUT_GRACE_SECONDS", "recorded_run", "run_params", "run_pipeline", "write_records"]

#: The execute-model task's Prefect timeout is the run's deadline plus this grace: the task returns what it
#: finished at the deadline by itself, so the Prefect timeout only fires when a task is truly stuck.
TASK_TIMEOUT_GRACE_SECONDS = 30.0


def run_params(settings: RunSettings) -> dict[str, str | int | float]:
    """What a run record shows of how the run was set up (models, weights and metrics are logged separately)."""
    return {
        "concurrency": settings.concurrency,
        "max_parallel_models": settings.max_parallel_models,
        "timeout_seconds": settings.timeout_seconds,
        "call_timeout_seconds": settings.policy.timeout_seconds,
        "max_attempts": settings.policy.max_attempts,
        "statistics": str(settings.statistics.enabled).lower(),
        "normalisation": settings.ranking.normalisation,
        "unknown_price": settings.ranking.unknown_price,
        **({"judge": settings.judge.identifier} if settings.judge is not None else {}),
    }


def _failed_rows(model: ModelConfig, items: list[DatasetItem], state: State) -> list[ModelResult]:
    """A model whose task failed (e.g. hit its Prefect timeout) is kept as failed rows, one per item."""
    reason = f"execute-model task ended {state.name}: {state.message or 'no message'}"
    return [
        ModelResult(
            model=model.identifier,
            item_id=item.id,
            success=False,
            error=reason,
            error_type="TaskFailed",
            attempts=0,
            task_type=item.task_type,
        )
        for item in items
    ]


def _provider_slots(settings: RunSettings, n_items: int, limits: dict[str, int]) -> dict[str, int]:
    """Slots of each provider's limit this run can use at most: never more than it could have in flight."""
    calls = Counter(m.provider for m in settings.models)
    return {p: max(1, min(settings.concurrency, calls[p] * n_items, limits[p])) for p in calls}


@asynccontextmanager
async def recorded_run(name: str, items: list[DatasetItem], settings: RunSettings) -> AsyncIterator[str | None]:
    """The run id in the result store for the block: the unfinished run of this benchmark is resumed, so a rerun
    or a Prefect retry of the flow makes no call for a pair already done. At the end the run is recorded as
    complete (every pair stored), interrupted (cancelled, or pairs missing) or failed. None when not persisting.
    """
    spec = run_spec(name, items, settings.models, settings.metrics, run_params(settings))
    logger = get_run_logger()
    async with recording(settings.store, spec) as record:
        if record is None:
            yield None
            return
        if record.resumed:
            logger.info("resuming run %s of %s in %s", record.run_id, name, settings.store.location())
        try:
            yield record.run_id
        except (asyncio.CancelledError, KeyboardInterrupt):
            logger.warning("run %s interrupted: what finished is stored; resume with --resume %s", *[record.run_id] * 2)
            raise


async def write_records(
    artifacts: Awaitable[object],
    mlflow_run: Awaitable[str] | None,
    tracking_uri: str | None,
    then: Callable[[], Awaitable[object]] | None = None,
) -> str | None:
    """The Prefect artifacts and the MLflow run at once, then ``then`` (profile updates, which must only follow
    a recorded run); returns the MLflow run id. When any of it fails, the MLflow run already logged is marked
    FAILED: no FINISHED record of a command that failed."""
    # The MLflow run is logged in a thread that a cancellation (Ctrl-C, SIGTERM) cannot stop: shielded, its id
    # is still known when the run is interrupted meanwhile, so the run it ends up writing is marked FAILED.
    logging_run = asyncio.ensure_future(mlflow_run) if mlflow_run is not None else None
    try:
        outcomes = await asyncio.gather(
            artifacts, *([asyncio.shield(logging_run)] if logging_run else []), return_exceptions=True
        )
    except BaseException:
        if logging_run is not None:
            await asyncio.shield(_fail_once_logged(logging_run, tracking_uri))
        raise
    mlflow_id = outcomes[1] if len(outcomes) > 1 and isinstance(outcomes[1], str) else None
    try:
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        if then is not None:
            await then()
    except BaseException:
        if mlflow_id is not None:
            await asyncio.to_thread(mark_mlflow_failed, mlflow_id, tracking_uri)
        raise
    return mlflow_id


async def _fail_once_logged(logging_run: asyncio.Future[str], tracking_uri: str | None) -> None:
    try:
        mlflow_id = await logging_run
    except Exception:
        return  # nothing was logged, or logging failed: no FINISHED run either way
    await asyncio.to_thread(mark_mlflow_failed, mlflow_id, tracking_uri)


async def _execute_all(settings: RunSettings, items: list[DatasetItem], run_id: str | None) -> ExecutionOutcome:
    limits = await ensure_provider_limits([m.provider for m in settings.models], settings.provider_limits)
    slots = _provider_slots(settings, len(items), limits)
    registry = await asyncio.to_thread(settings.store.slot_registry)
    # One lease per provider per run, not one per model task or call: concurrent acquisitions of one limit
    # collide in the server's database (SQLite answers "database is locked", the client retries after ~2 s);
    # measured 5.6 s vs 0.7 s for 10 models of 200 ms. The lease is short and renewed, and recorded so that a
    # killed run's slots are freed by the next one (tasks/limits.py).
    async with hold_provider_slots(
        slots,
        registry,
        lease_seconds=settings.slot_lease_seconds,
        wait_seconds=settings.slot_wait_seconds,
        run_id=run_id,
    ):
        return await _execute_holding(settings, items, slots, run_id)


async def _execute_holding(
    settings: RunSettings, items: list[DatasetItem], slots: dict[str, int], run_id: str | None
) -> ExecutionOutcome:
    started = time.perf_counter()
    deadline = time.time() + settings.timeout_seconds
    run_key = uuid.uuid4().hex
    parallel_models = asyncio.Semaphore(settings.max_parallel_models)
    # The fair-order gates open once the model tasks that start together (the first max_parallel_models, in order)
    # have registered, or after a grace; a provider with none among them has its gate open at once.
    starting = settings.models[: settings.max_parallel_models]
    first_per_provider = Counter(m.provider for m in starting)
    # Judge metrics are scored by the evaluate task, with one judge client for the run (see tasks/evaluate.py).
    offline_metrics = [m for m in settings.metrics if m in EVALUATORS]

    async def one(model: ModelConfig) -> list[ModelResult]:
        async with parallel_models:
            state = await execute_model.with_options(
                timeout_seconds=settings.timeout_seconds + TASK_TIMEOUT_GRACE_SECONDS
            )(
                model,
                quote(items),
                settings.policy,
                settings.concurrency,
                slots[model.provider],
                deadline,
                run_key,
                offline_metrics,
                len(starting),
                first_per_provider[model.provider],
                settings.store if settings.store.active else None,
                run_id,
                return_state=True,
            )
        if state.is_completed():
            rows: list[ModelResult] = await state.aresult()
            return rows
        get_run_logger().warning("model %s: %s", model.identifier, state.message)
        return _failed_rows(model, items, state)

    try:
        per_model = await asyncio.gather(*(one(m) for m in settings.models))
    finally:
        release_semaphores(run_key)
    results = [row for rows in per_model for row in rows]
    incomplete = sorted(
        {r.model for r in results if r.error_type in {"ComparisonTimeout", "TaskFailed"} and r.attempts == 0}
    )
    return ExecutionOutcome(
        results=results, incomplete_models=incomplete, duration_ms=(time.perf_counter() - started) * 1000
    )


async def run_pipeline(
    name: str, items: list[DatasetItem], settings: RunSettings, run_id: str | None = None
) -> ComparisonResult:
    """Execute, evaluate, rank and analyse; raises only when no model produced anything usable.

    ``run_id`` (from :func:`recorded_run`) persists every outcome in that run and skips the pairs it holds.
    """
    outcome = await _execute_all(settings, items, run_id)
    check_outcome(outcome, settings.timeout_seconds)
    # quote(): Prefect would otherwise walk every row of these lists looking for futures (~0.4 s per task at 1000
    # rows); they hold plain data, so there is nothing to find. Rows were scored as they arrived; evaluate fills
    # in whatever is missing (e.g. rows of a model whose task failed) and checks every row has its metrics.
    scored = await evaluate(
        quote(outcome.results), quote(items), settings.metrics, settings.judge, settings.evaluation, settings.policy
    )
    ranking = rank(quote(scored), settings.weights, settings.ranking, settings.statistics)
    analysis = analyze_results(
        quote(scored), quote(ranking.rankings), quote(items), quote(ranking.statistics), settings.ranking
    )
    return assemble_result(
        name=name,
        models=[m.identifier for m in settings.models],
        items=items,
        results=scored,
        ranking=ranking,
        analysis=analysis,
        weights=settings.weights,
        metrics=settings.metrics,
        incomplete_models=outcome.incomplete_models,
        duration_ms=outcome.duration_ms,
        options=settings.ranking,
        run_id=run_id,
    )
