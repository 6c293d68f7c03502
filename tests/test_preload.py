"""Preloading beside the calls: it opens (creates) the checked tracking store, the records then reuse it, and a
failure of it costs nothing but the time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from llmbench.preload import preload


def test_nothing_to_load_starts_no_thread() -> None:
    assert preload() is None


def test_opening_the_store_ahead_creates_it_for_the_records(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/store/mlflow.db"
    thread = preload(statistics=True, tracking=True, open_store=True, tracking_uri=uri)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert (tmp_path / "store" / "mlflow.db").is_file()

    from mlflow import MlflowClient

    from llmbench.tracking import log_comparison
    from tests.tracking.test_mlflow_store import _result

    run_id = log_comparison(_result(), experiment="preloaded", tracking_uri=uri)
    assert MlflowClient(tracking_uri=uri).get_run(run_id).info.status == "FINISHED"


def test_a_store_that_cannot_open_fails_only_where_the_records_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    escaped: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    thread = preload(open_store=True, tracking_uri=f"sqlite:///{blocker}/mlflow.db")
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive() and escaped == []  # ended quietly: the records step reports the real error
    assert blocker.read_text() == "not a directory"
