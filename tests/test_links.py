"""A run's MLflow link points at a UI only when that UI serves the run; otherwise the command that opens it."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from llmbench.links import complete_links, mlflow_run_url
from llmbench.types import RunLinks


class _MlflowApi(http.server.BaseHTTPRequestHandler):
    known_run = "r1"

    def do_GET(self) -> None:
        if self.path == f"/api/2.0/mlflow/runs/get?run_id={self.known_run}":
            body = json.dumps({"run": {"info": {"run_id": self.known_run, "experiment_id": "7"}}}).encode()
            self.send_response(200)
        else:
            body = b'{"error_code": "RESOURCE_DOES_NOT_EXIST"}'
            self.send_response(404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mlflow_ui() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MlflowApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def test_local_ui_serving_the_run_is_linked(mlflow_ui: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_PORT", str(mlflow_ui))
    assert mlflow_run_url("sqlite:////tmp/mlflow.db", "r1") == f"http://127.0.0.1:{mlflow_ui}/#/experiments/7/runs/r1"
    assert mlflow_run_url("sqlite:////tmp/mlflow.db", "another-store-run") is None


def test_remote_tracking_server_is_linked(mlflow_ui: int) -> None:
    uri = f"http://127.0.0.1:{mlflow_ui}"
    links = complete_links(RunLinks(mlflow_run_id="r1", mlflow_tracking_uri=uri))
    assert links.mlflow_run_url == f"{uri}/#/experiments/7/runs/r1" and links.mlflow_ui_command is None


def test_without_a_ui_the_command_that_opens_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("MLFLOW_PORT", str(closed))
    links = complete_links(RunLinks(mlflow_run_id="r1", mlflow_tracking_uri="sqlite:////tmp/x/mlflow.db"))
    assert links.mlflow_run_url is None
    assert (
        links.mlflow_ui_command
        == f"mlflow ui --backend-store-uri sqlite:////tmp/x/mlflow.db --port {closed} --workers 1"
    )
