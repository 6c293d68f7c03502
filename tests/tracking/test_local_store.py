"""A new local MLflow store is created whole: never half-migrated by a killed process or by concurrent commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llmbench.tracking.client import tracking_client

CREATE = "from llmbench.tracking.client import tracking_client; tracking_client({uri!r})[0].search_experiments()"


def test_commands_creating_one_store_at_once_all_open_it(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    procs = [
        subprocess.Popen([sys.executable, "-c", CREATE.format(uri=uri)], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [proc.communicate(timeout=240)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], errors
    client, _ = tracking_client(uri)
    assert [e.name for e in client.search_experiments()] == ["Default"]


def test_a_store_left_half_created_by_a_killed_process_does_not_block_the_next(tmp_path: Path) -> None:
    stale = tmp_path / ".mlflow.db.4242.creating"
    stale.write_bytes(b"SQLite format 3\x00 half a migration")
    client, _ = tracking_client(f"sqlite:///{tmp_path}/mlflow.db")
    assert client.create_experiment("after-a-crash")
    assert not stale.exists() and (tmp_path / "mlflow.db").is_file()


def test_a_killed_creation_leaves_no_store_at_the_real_path(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CREATE.format(uri=f"sqlite:///{tmp_path}/mlflow.db")])
    proc.kill()  # at whatever point it reached: before, during or after the migrations
    proc.wait(timeout=30)
    client, _ = tracking_client(f"sqlite:///{tmp_path}/mlflow.db")
    assert [e.name for e in client.search_experiments()] == ["Default"]
