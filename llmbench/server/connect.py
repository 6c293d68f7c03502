"""Which Prefect server a command talks to: the user's own when they named one, else llmbench's local server.

A ``PREFECT_API_URL`` in the environment or in the active Prefect profile wins (a remote or shared server), as does
a Prefect already configured in this process (a test harness). Otherwise the local server of the llmbench home is
started when needed and ``PREFECT_API_URL`` is set to it before Prefect is imported, so Prefect never falls back to
a temporary server of its own (8–25 s per command, no background services, orphans when killed).
"""

from __future__ import annotations

import os
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from llmbench.errors import LocalServerError
from llmbench.home import home_paths
from llmbench.server.prefect_server import LocalPrefectServer

__all__ = ["PrefectConnection", "connect_prefect", "user_api_url"]

Source = Literal["PREFECT_API_URL", "Prefect profile", "this process", "local server"]


class PrefectConnection(BaseModel):
    """The server a command uses, where that choice came from, and what starting it cost."""

    api_url: str
    ui_url: str
    source: Source
    started: bool = False
    start_seconds: float | None = None


def _profile_api_url() -> str | None:
    """``PREFECT_API_URL`` of the active profile in the user's Prefect profiles file (``prefect config set``)."""
    default = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect") / "profiles.toml"
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or default).expanduser()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or doc.get("active")
    profile = doc.get("profiles", {}).get(active, {}) if isinstance(active, str) else {}
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return url if isinstance(url, str) and url else None


def user_api_url() -> tuple[str, Source] | None:
    """The server the user chose, and where they chose it; None means "use llmbench's local server"."""
    # A Prefect this process already loaded and configured (e.g. prefect_test_harness) is never overridden; its
    # settings are read without importing Prefect, which the core never does.
    settings = sys.modules.get("prefect.settings")
    if settings is not None and (url := settings.get_current_settings().api.url):
        return str(url), "this process"
    if url := os.environ.get("PREFECT_API_URL"):
        return url, "PREFECT_API_URL"
    if url := _profile_api_url():
        return url, "Prefect profile"
    return None


def _ui_url(api_url: str) -> str:
    return api_url.removesuffix("/").removesuffix("/api")


def _check_reachable(url: str, source: str) -> None:
    """Any HTTP answer will do (Prefect Cloud wants a key for /health); no answer at all is a one-line error."""
    try:
        urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=5).close()
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LocalServerError(
            f"the Prefect server of {source} ({url}) does not answer ({reason}): start it, or unset "
            "PREFECT_API_URL to use llmbench's local server"
        ) from None


def connect_prefect(on_start: Callable[[str], None] | None = None) -> PrefectConnection:
    """Choose the server, starting the local one when needed, and point this process's Prefect at it."""
    chosen = user_api_url()
    if chosen is not None:
        url, source = chosen
        if source != "this process":
            _check_reachable(url, source)
            os.environ["PREFECT_API_URL"] = url
        return PrefectConnection(api_url=url, ui_url=_ui_url(url), source=source)
    paths = home_paths()
    server = LocalPrefectServer(paths)
    status = server.status()
    start_seconds = None
    if not status.healthy:
        began = time.perf_counter()
        status = server.ensure_running(on_start)
        start_seconds = time.perf_counter() - began
    os.environ["PREFECT_API_URL"] = status.api_url
    os.environ.setdefault("PREFECT_HOME", str(paths.prefect_home))  # Prefect's client-side files: one home too
    return PrefectConnection(
        api_url=status.api_url,
        ui_url=status.ui_url,
        source="local server",
        started=start_seconds is not None,
        start_seconds=start_seconds,
    )
