"""What ``bench`` and ``compare`` need to be durable from the command line: ``--resume`` checked before anything
starts, and Ctrl-C / SIGTERM turned into a prompt stop that keeps what finished and says how to resume.

The flow already records every outcome in the result store as it completes and resumes the unfinished run of the
same benchmark (``flows/pipeline.py:recorded_run``); this module only makes the CLI say so and stop cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from llmbench.errors import ConfigError

if TYPE_CHECKING:
    from llmbench.runs import RunSettings
    from llmbench.store import RunStore
    from llmbench.types import DatasetItem

__all__ = [
    "RESUME_UNFINISHED",
    "Interrupted",
    "check_output",
    "exit_code",
    "resolve_resume",
    "resume_line",
    "run_interruptible",
]

T = TypeVar("T")

#: ``--resume last``: the unfinished run of the same benchmark (an error when there is none).
RESUME_UNFINISHED = "last"
_UNFINISHED = {"running", "interrupted", "failed"}


class Interrupted(Exception):
    """The run was stopped by a signal; what finished is in the result store."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


def _benchmark_key(name: str, items: Sequence[DatasetItem], settings: RunSettings) -> str:
    from llmbench.store import benchmark_key

    return benchmark_key(name, items, settings.models, settings.metrics)


def _latest_of(store: RunStore, key: str, statuses: set[str] | None = None) -> str | None:
    """The newest run of the benchmark ``key`` (with one of ``statuses``), or None."""
    for record in store.list_runs(limit=1000):
        if record.benchmark_key == key and (statuses is None or record.status.value in statuses):
            return record.run_id
    return None


def resolve_resume(resume: str | None, name: str, items: Sequence[DatasetItem], settings: RunSettings) -> str | None:
    """The run id ``--resume`` names, checked against the store before any server starts.

    An unknown id, a run of another benchmark (other dataset, models or metrics), a run already complete,
    ``--resume last`` with no unfinished run, or a store that is off are one-line errors naming ``--resume``.
    """
    if resume is None:
        return None
    store = settings.store.run_store()
    if store is None:
        raise ConfigError("--resume: the result store is off ([store] enabled = false in llmbench.toml)")
    key = _benchmark_key(name, items, settings)
    if resume == RESUME_UNFINISHED:
        found = _latest_of(store, key, _UNFINISHED)
        if found is None:
            raise ConfigError(
                f"--resume: no unfinished run of this benchmark in the result store {store.location}; "
                "run it without --resume to start one"
            )
        return found
    from llmbench.errors import RunNotFound

    try:
        record = store.get_run(resume)
    except RunNotFound:
        raise ConfigError(
            f"--resume {resume!r}: no such run in the result store {store.location} (`llmbench cache runs` lists them)"
        ) from None
    if record.benchmark_key != key:
        raise ConfigError(
            f"--resume {resume!r}: that run is another benchmark ({record.name}: {len(record.spec.models)} "
            f"models, {record.spec.n_items} items, metrics {','.join(record.spec.metrics)}); use the same "
            "dataset, --models, --limit and --metrics, or drop --resume"
        )
    if str(record.status) not in _UNFINISHED:
        # Resuming a finished run would call nothing yet record it again: a second MLflow run, and router
        # profiles fed the same answers twice.
        raise ConfigError(
            f"--resume {resume!r}: that run is already complete, nothing to resume; rerun without --resume for a "
            "new run (answers come from the cache)"
        )
    return resume


def check_output(path: Path) -> None:
    """``--output FILE`` must be writable before the first call, not found unusable after the last one."""
    target = path.expanduser()
    if target.is_dir():
        raise ConfigError(f"--output {path}: is a directory; name a .json file")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError(f"--output {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ConfigError(f"--output {path}: not writable")


def resume_line(signum: int, name: str, items: Sequence[DatasetItem], settings: RunSettings) -> str:
    """The one line printed after an interrupt: what was kept, in which run, and the command that resumes it."""
    reason = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    store = settings.store.run_store()
    if store is None:
        return f"{reason}: nothing was kept (the result store is off); rerun the same command to start again"
    try:
        key = _benchmark_key(name, items, settings)
        run_id = _latest_of(store, key)
        kept = store.count_results(run_id) if run_id is not None else 0
    except Exception as error:  # the store itself may be what broke: still say how to go on
        return f"{reason}: could not read the result store ({error}); rerun the same command to resume"
    if run_id is None:
        return f"{reason} before the first call; rerun the same command to start again"
    command = shlex.join(["llmbench", *_without_resume(sys.argv[1:]), "--resume", run_id])
    total = len(items) * len(settings.models)
    return f"{reason}: {kept} of {total} results kept in run {run_id}; resume with: {command}"


def _without_resume(args: Sequence[str]) -> list[str]:
    """The command's arguments less any ``--resume RUN`` / ``--resume=RUN``."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--resume":
            skip = True
        elif not arg.startswith("--resume="):
            kept.append(arg)
    return kept


def _mute_prefect_console() -> None:
    """Prefect logs a cancelled flow as "Crash detected!" at ERROR: the CLI's own line says what happened."""
    loggers = [
        logging.getLogger(),
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler).__name__ == "PrefectConsoleHandler":
                handler.setLevel(logging.CRITICAL + 1)


async def _keep_sigterm(ours: Any) -> None:
    """Take SIGTERM back from Prefect: its flow engine installs a handler that raises ``TerminationSignal`` at
    whatever line runs (even inside the event loop's select), which skips the orderly cancellation below."""
    while True:
        if signal.getsignal(signal.SIGTERM) is not ours:
            signal.signal(signal.SIGTERM, ours)
        await asyncio.sleep(0.1)


async def _guarded(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    received: list[int] = []

    def on_signal(signum: int) -> None:
        if received:  # a second signal: the user insists, stop now (a dead holder's slots are freed by the next run)
            os._exit(exit_code(signum))
        received.append(signum)
        _mute_prefect_console()
        main.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    keeper = asyncio.create_task(_keep_sigterm(signal.getsignal(signal.SIGTERM)))
    try:
        return await make()
    except BaseException:  # cancelled, or whatever Prefect made of the cancellation (a Crashed flow run)
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        keeper.cancel()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def run_interruptible(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` where SIGINT and SIGTERM cancel the run (its ``finally`` blocks give slots back and
    record the run as interrupted) and raise :class:`Interrupted`; a second signal exits at once."""
    try:
        return asyncio.run(_guarded(make))
    except BaseException as stop:
        # Prefect's TerminationSignal (matched by name: the core never imports Prefect): a SIGTERM in the instant
        # before SIGTERM was taken back from Prefect's flow engine.
        if type(stop).__name__ == "TerminationSignal":
            raise Interrupted(int(getattr(stop, "signal", signal.SIGTERM))) from None
        raise
