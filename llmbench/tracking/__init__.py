"""MLflow tracking of llmbench runs: the only package of llmbench that imports mlflow.

MLflow takes 1-3 s to import, so the names that need it load on first use: the checks made before a run
(:func:`check_tracking_uri` on a local or HTTP store) and :func:`default_tracking_uri` never import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llmbench.tracking.checks import check_tracking_uri, mark_run_failed
from llmbench.tracking.secrets import scrub_secrets
from llmbench.tracking.uri import default_tracking_uri

if TYPE_CHECKING:
    from llmbench.tracking.client import warm_store
    from llmbench.tracking.history import RunSummary, list_runs, load_run, resolve_run
    from llmbench.tracking.mlflow_store import find_runs, log_comparison, log_profiles, model_keys
    from llmbench.tracking.plots import svg_figures

__all__ = [
    "RunSummary",
    "check_tracking_uri",
    "default_tracking_uri",
    "find_runs",
    "list_runs",
    "load_run",
    "log_comparison",
    "log_profiles",
    "mark_run_failed",
    "model_keys",
    "resolve_run",
    "scrub_secrets",
    "svg_figures",
    "warm_store",
]

_LAZY = {
    **{
        name: "llmbench.tracking.mlflow_store" for name in ("find_runs", "log_comparison", "log_profiles", "model_keys")
    },
    **{name: "llmbench.tracking.history" for name in ("RunSummary", "list_runs", "load_run", "resolve_run")},
    "svg_figures": "llmbench.tracking.plots",
    "warm_store": "llmbench.tracking.client",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups (and monkeypatching) see a plain attribute
    return value
