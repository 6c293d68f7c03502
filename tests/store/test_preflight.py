"""Everything a run records to is checked before its first call; output files are whole or absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llmbench.config import parse_config
from llmbench.errors import ConfigError, ProfileStoreError, StoreError
from llmbench.store import check_run_targets, close_database, write_json_atomic
from llmbench.types import ComparisonResult


def _config(tmp_path: Path, **sections: dict[str, object]) -> object:
    data: dict[str, object] = {"store": {"url": f"sqlite:///{tmp_path}/store.db"}, **sections}
    return parse_config(data)


def test_usable_targets_pass(tmp_path: Path) -> None:
    config = _config(tmp_path, orchestration={"profiles_path": str(tmp_path / "p" / "profiles.json")})
    check_run_targets(config, profiles=True, tracking=True)  # type: ignore[arg-type]
    assert (tmp_path / "store.db").exists() and (tmp_path / "p").is_dir()
    close_database(f"sqlite:///{tmp_path}/store.db")


@pytest.mark.parametrize(
    ("setup", "error", "words"),
    [
        (lambda d: (d / "dir.json").mkdir(), ConfigError, "profiles_path = .*is a directory"),
        (lambda d: (d / "dir.json").write_text("{not json"), ProfileStoreError, "profiles_path: .*corrupt"),
    ],
    ids=["directory", "corrupt"],
)
def test_an_unusable_profiles_path_fails_in_one_line(tmp_path: Path, setup, error, words: str) -> None:
    setup(tmp_path)
    config = _config(tmp_path, orchestration={"profiles_path": str(tmp_path / "dir.json")})
    with pytest.raises(error, match=words) as info:
        check_run_targets(config, profiles=True)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)
    close_database(f"sqlite:///{tmp_path}/store.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_profiles_directory_fails(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        config = _config(tmp_path, orchestration={"profiles_path": str(locked / "profiles.json")})
        with pytest.raises(ConfigError, match="not writable"):
            check_run_targets(config, profiles=True)  # type: ignore[arg-type]
    finally:
        locked.chmod(0o700)
        close_database(f"sqlite:///{tmp_path}/store.db")


def test_an_unusable_tracking_uri_fails_before_any_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-db").write_text("hello")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/not-a-db")
    with pytest.raises(ConfigError, match="is not an SQLite database"):
        check_run_targets(_config(tmp_path), tracking=True)  # type: ignore[arg-type]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    with pytest.raises(ConfigError, match=r"tracking server http://127\.0\.0\.1:1 .* is not reachable"):
        check_run_targets(_config(tmp_path), tracking=True)  # type: ignore[arg-type]
    close_database(f"sqlite:///{tmp_path}/store.db")


def test_an_unusable_store_fails(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError):
        check_run_targets(parse_config({"store": {"url": f"sqlite:///{tmp_path}/file/store.db"}}))


def test_json_output_is_whole_or_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "result.json"
    write_json_atomic(target, ComparisonResult(models=["a"], results=[]))
    assert json.loads(target.read_text())["models"] == ["a"]

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the new content is written, then the write fails
    with pytest.raises(OSError, match="No space"):
        write_json_atomic(target, ComparisonResult(models=["b"], results=[]))
    assert json.loads(target.read_text())["models"] == ["a"]  # the previous whole file, untouched
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]  # no temporary file left
