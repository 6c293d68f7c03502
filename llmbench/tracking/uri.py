"""Where runs are tracked by default, without importing MLflow (so checks and quick commands stay quick)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_tracking_uri", "sqlite_dir"]


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the SQLite store in the llmbench home (``llmbench.home``)."""
    from llmbench.home import home_paths

    return os.environ.get("MLFLOW_TRACKING_URI") or home_paths().mlflow_uri


def sqlite_dir(uri: str) -> Path | None:
    """Directory of a local SQLite store, None for in-memory or remote stores."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///") :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return (Path.cwd() / path).resolve().parent  # an absolute path ignores Path.cwd()
