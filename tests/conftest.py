"""Shared fixtures: one Prefect test server for the session, a fresh MLflow store and config per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.pop("LLMBENCH_CONFIG", None)
# No test may read or write the user's ~/.llmbench (profiles, MLflow runs, the local Prefect server): tests that
# need a home of their own set LLMBENCH_HOME again (the workspace fixture).
os.environ["LLMBENCH_HOME"] = tempfile.mkdtemp(prefix="llmbench-test-home-")
atexit.register(shutil.rmtree, os.environ["LLMBENCH_HOME"], ignore_errors=True)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A real (temporary) Prefect server for tests that run flows; started once, ~20 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with its own MLflow store and profiles file, and no llmbench.toml of the user's."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMBENCH_HOME", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.delenv("LLMBENCH_CONFIG", raising=False)
    (tmp_path / "examples").symlink_to(REPO / "examples")
    return tmp_path


def write_config(directory: Path, body: str) -> Path:
    path = directory / "llmbench.toml"
    path.write_text(body)
    return path
