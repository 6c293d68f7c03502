"""The one place llmbench keeps local state, whichever way it is started (CLI, ``make``, a Prefect worker).

``$LLMBENCH_HOME`` when set, else ``~/.llmbench``. Everything local lives under it, so a fresh clone never reads
another checkout's profiles and the CLI, ``make run`` and ``make serve`` see the same runs::

    ~/.llmbench/
    ├── profiles.json     router profiles (unless [orchestration] profiles_path says otherwise)
    ├── store.db          result store and response cache (unless [store] url says otherwise)
    ├── mlflow.db         MLflow tracking store (unless MLFLOW_TRACKING_URI says otherwise)
    ├── mlartifacts/      MLflow artifacts of that store
    ├── prefect/          PREFECT_HOME of the local Prefect server llmbench starts and reuses
    └── server/           pid files and logs of that server
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

__all__ = ["HOME_ENV", "HomePaths", "home_paths", "llmbench_home"]

HOME_ENV = "LLMBENCH_HOME"


def llmbench_home() -> Path:
    """``$LLMBENCH_HOME`` or ``~/.llmbench``, absolute (a relative value is taken from the working directory)."""
    value = os.environ.get(HOME_ENV)
    return (Path(value).expanduser() if value else Path.home() / ".llmbench").resolve()


class HomePaths(BaseModel):
    """Where each kind of local state lives under the home."""

    home: Path
    profiles: Path
    store: Path
    mlflow_db: Path
    mlflow_artifacts: Path
    prefect_home: Path
    server: Path

    @property
    def mlflow_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db}"  # absolute path: the leading "/" makes four slashes

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.store}"


def home_paths(home: Path | None = None) -> HomePaths:
    """The layout of ``home`` (default :func:`llmbench_home`); nothing is created here."""
    root = (home or llmbench_home()).resolve()
    return HomePaths(
        home=root,
        profiles=root / "profiles.json",
        store=root / "store.db",
        mlflow_db=root / "mlflow.db",
        mlflow_artifacts=root / "mlartifacts",
        prefect_home=root / "prefect",
        server=root / "server",
    )
