"""Before a run: is the tracking URI usable? After a failed one: mark its MLflow run FAILED.

The check is cheap on purpose (it runs before every run): a local SQLite store needs a writable directory and,
if the file exists, an SQLite file; a tracking server must answer ``/health``. Other stores (PostgreSQL, MySQL,
Databricks) are asked for one experiment through the MLflow client.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from llmbench.errors import ConfigError
from llmbench.tracking.uri import default_tracking_uri

__all__ = ["check_tracking_uri", "mark_run_failed"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEALTH_TIMEOUT_S = 5.0
_WHERE = "MLFLOW_TRACKING_URI or [tracking] tracking_uri"


def _writable_dir(path: Path, uri: str) -> None:
    directory = path.parent if not path.is_dir() else path
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"tracking URI {uri} ({_WHERE}): cannot create {directory}: {error.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"tracking URI {uri} ({_WHERE}): directory {directory} is not writable")


def _check_sqlite(uri: str) -> None:
    raw = uri[len("sqlite:///") :].split("?", 1)[0]
    if not raw or raw == ":memory:":
        return
    path = (Path.cwd() / raw).resolve()
    if path.is_dir():
        raise ConfigError(f"tracking URI {uri} ({_WHERE}): {path} is a directory, not a database file")
    _writable_dir(path, uri)
    if path.exists():
        try:
            with path.open("rb") as fh:
                header = fh.read(len(_SQLITE_MAGIC))
        except OSError as error:
            raise ConfigError(f"tracking URI {uri} ({_WHERE}): cannot read {path}: {error.strerror}") from None
        if header and header != _SQLITE_MAGIC:
            raise ConfigError(f"tracking URI {uri} ({_WHERE}): {path} is not an SQLite database")


def _check_server(uri: str) -> None:
    import httpx

    try:
        response = httpx.get(f"{uri.rstrip('/')}/health", timeout=_HEALTH_TIMEOUT_S)
    except httpx.HTTPError as error:
        raise ConfigError(f"tracking server {uri} ({_WHERE}) is not reachable: {type(error).__name__}") from None
    if response.status_code != 200:
        raise ConfigError(f"tracking server {uri} ({_WHERE}) answered HTTP {response.status_code} on /health")


def check_tracking_uri(uri: str | None) -> None:
    """Raise :class:`ConfigError` (one line naming the URI) when runs could not be recorded there."""
    uri = uri or default_tracking_uri()
    scheme = urlparse(uri).scheme
    if scheme == "sqlite":
        _check_sqlite(uri)
    elif scheme in ("http", "https"):
        _check_server(uri)
    elif scheme in ("", "file"):
        _writable_dir(Path(urlparse(uri).path if scheme else uri).expanduser().resolve() / "x", uri)
    else:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        try:
            MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
        except (MlflowException, OSError, ValueError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ConfigError(f"tracking URI {uri} ({_WHERE}) is not usable: {first}") from None


def mark_run_failed(run_id: str, tracking_uri: str | None = None) -> None:
    """Close an MLflow run and its per-model child runs as FAILED: the command failed after the run was logged,
    so none of them may read FINISHED."""
    from llmbench.tracking.client import tracking_client

    client, _ = tracking_client(tracking_uri)
    run = client.get_run(run_id)
    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run_id}'", max_results=1000
    )
    for child in children:
        client.set_terminated(child.info.run_id, status="FAILED")
    client.set_terminated(run_id, status="FAILED")
