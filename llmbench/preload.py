"""Load, beside a run's model calls, what the run needs only after them: scipy for the statistics, then MLflow
and its store for the records.

Measured on 2 cores (1,000-call benchmark): importing scipy.stats took 1.0–2.1 s inside the ranking, importing
MLflow 1.2–2.3 s and opening its SQLite store (MLflow reads its ~100 schema migrations to check the database)
0.7–1.4 s inside the recording, all after the last call. A background thread does them while the calls wait on
the network. It only warms caches (``sys.modules``, MLflow's store per tracking URI): when it fails, the step
that needs the thing does it again and reports the real error in its place.
"""

from __future__ import annotations

import importlib
import logging
import threading

__all__ = ["preload"]

logger = logging.getLogger(__name__)


def preload(
    *, statistics: bool = False, tracking: bool = False, open_store: bool = False, tracking_uri: str | None = None
) -> threading.Thread | None:
    """Start loading in a daemon thread, in the order the run needs them; None when there is nothing to load.

    ``tracking`` imports the recording code (MLflow, pandas, matplotlib); ``open_store`` also opens the store of
    ``tracking_uri`` (creating a new local one), so it is for a store the run has checked and will write to.
    """
    if not (statistics or tracking or open_store):
        return None
    if open_store and tracking_uri is None:
        from llmbench.tracking import default_tracking_uri

        tracking_uri = default_tracking_uri()  # now, from this run's environment, not when the thread gets to it
    thread = threading.Thread(
        target=_load, args=(statistics, tracking, open_store, tracking_uri), name="llmbench-preload", daemon=True
    )
    thread.start()
    return thread


def _load(statistics: bool, tracking: bool, open_store: bool, tracking_uri: str | None) -> None:
    try:
        if statistics:
            importlib.import_module("scipy.stats")
        if tracking or open_store:
            importlib.import_module("llmbench.tracking.mlflow_store")
        if open_store:
            from llmbench.tracking import warm_store

            warm_store(tracking_uri)
    except Exception as error:  # only a cache: the step that needs it fails in its place
        logger.debug("preload stopped: %s", error)
