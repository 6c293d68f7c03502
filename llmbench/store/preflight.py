"""All-or-nothing records: check every place a run writes to before its first call, and write files whole.

A run that can only find out at the end that its profiles path or tracking store is unusable has already paid
for every call and may have written half its records. :func:`check_run_targets` opens each of them first (the
CLI calls it before starting anything, the flows at their start); :func:`write_json_atomic` makes an output
file whole or absent, never truncated.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from llmbench.config import LLMBenchConfig
from llmbench.errors import ConfigError, ProfileStoreError
from llmbench.store.database import open_database

__all__ = ["check_profiles_location", "check_run_targets", "write_json_atomic"]


def check_profiles_location(location: str) -> None:
    """Raise when router profiles could not be read and updated at ``location`` (a JSON path or SQL URL)."""
    from llmbench.router import open_store

    if "://" in location:
        open_store(location).load()  # opens, creates or checks the schema, reads: ProfileStoreError when not
        return
    path = Path(location).expanduser()
    where = "[orchestration] profiles_path"
    if path.is_dir():
        raise ConfigError(f"{where} = {location!r}: is a directory; name a .json file in it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"{where} = {location!r}: cannot create {path.parent}: {error.strerror}") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"{where} = {location!r}: not writable")
    open_store(path).load()  # a corrupt file raises ProfileStoreError here, before any call


def check_run_targets(config: LLMBenchConfig, *, profiles: bool = False, tracking: bool = False) -> None:
    """Open the result store (always: it also records who holds provider slots), the profile store and the
    tracking store.

    Each failure is one line naming the key or URL: :class:`~llmbench.errors.StoreError`,
    :class:`~llmbench.errors.ProfileStoreError` or :class:`~llmbench.errors.ConfigError`.
    """
    open_database(config.store_url())
    if profiles:
        try:
            check_profiles_location(config.profiles_location())
        except ProfileStoreError as error:
            raise ProfileStoreError(f"[orchestration] profiles_path: {error}") from None
    if tracking:
        from llmbench.tracking import check_tracking_uri

        check_tracking_uri(config.tracking_uri())


def write_json_atomic(path: str | os.PathLike[str], data: Any, *, indent: int | None = 2) -> Path:
    """Write JSON through a temporary file in the same directory, then rename: the file is whole or absent.

    ``data`` may be a pydantic model (dumped as JSON) or anything ``json.dumps`` takes.
    """
    target = Path(path)
    dump = getattr(data, "model_dump_json", None)
    text = dump(indent=indent) if callable(dump) else json.dumps(data, indent=indent, default=str)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
