"""Links to a finished run: its page in an MLflow UI when one serves the store, else the command that opens it.

Only the standard library talks HTTP here, so printing links costs the CLI no import of MLflow.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from llmbench.types import RunLinks

__all__ = ["MLFLOW_PORT_ENV", "complete_links", "mlflow_run_url", "mlflow_ui_command"]

MLFLOW_PORT_ENV = "MLFLOW_PORT"
DEFAULT_MLFLOW_PORT = 5000


def _local_ui() -> str:
    return f"http://127.0.0.1:{os.environ.get(MLFLOW_PORT_ENV) or DEFAULT_MLFLOW_PORT}"


def mlflow_run_url(tracking_uri: str, run_id: str, timeout: float = 1.0) -> str | None:
    """The run's page on the MLflow server of ``tracking_uri`` (http) or the local UI (``make mlflow-ui``).

    The server is asked for the run itself, so a UI that serves another store never gets linked.
    """
    base = tracking_uri.rstrip("/") if tracking_uri.startswith(("http://", "https://")) else _local_ui()
    query = urllib.parse.urlencode({"run_id": run_id})
    try:
        with urllib.request.urlopen(f"{base}/api/2.0/mlflow/runs/get?{query}", timeout=timeout) as response:
            experiment = json.load(response)["run"]["info"]["experiment_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return f"{base}/#/experiments/{experiment}/runs/{run_id}"


def mlflow_ui_command(tracking_uri: str) -> str:
    port = os.environ.get(MLFLOW_PORT_ENV) or DEFAULT_MLFLOW_PORT
    return f"mlflow ui --backend-store-uri {tracking_uri} --port {port} --workers 1"


def complete_links(links: RunLinks) -> RunLinks:
    """``links`` with the MLflow run's URL, or the command that opens its store when no UI serves it."""
    if links.mlflow_run_id is None or links.mlflow_tracking_uri is None:
        return links
    url = mlflow_run_url(links.mlflow_tracking_uri, links.mlflow_run_id)
    command = (
        None if url or links.mlflow_tracking_uri.startswith("http") else mlflow_ui_command(links.mlflow_tracking_uri)
    )
    return links.model_copy(update={"mlflow_run_url": url, "mlflow_ui_command": command})
