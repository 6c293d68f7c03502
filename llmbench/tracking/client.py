"""One MLflow client per call, and the experiments llmbench records into.

A client per call instead of the fluent ``mlflow.*`` API: the fluent API keeps the active run and experiment in
process-global state, which concurrent Prefect flows would share.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from llmbench.tracking.uri import default_tracking_uri, sqlite_dir

__all__ = ["EXPERIMENT_KIND", "experiment_id", "tracking_client", "warm_store"]

#: MLflow 3's UI opens an experiment by its kind: this one shows the runs table with its chart and compare views
#: (the GenAI kind opens a traces overview, empty for llmbench, whose runs are not traced).
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}

#: How long a command waits for another one creating the same local store (creation takes ~1 s).
STORE_CREATE_TIMEOUT_SECONDS = 120.0


def tracking_client(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    """A client of ``tracking_uri`` (default: llmbench's store) and the URI it uses; a new local store is created
    whole first (:func:`_create_local_store`)."""
    uri = tracking_uri or default_tracking_uri()
    directory = sqlite_dir(uri)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        _create_local_store(directory / Path(_sqlite_path(uri)).name, directory)
    return MlflowClient(tracking_uri=uri), uri


def _sqlite_path(uri: str) -> str:
    return uri[len("sqlite:///") :].split("?", 1)[0]


def _create_local_store(path: Path, directory: Path) -> None:
    """Create a new SQLite store under a lock, migrated in a temporary file that is then renamed into place.

    MLflow creates its tables by running its migrations on the database in place: a process killed halfway left
    a store that no later run could open ("table _alembic_tmp_experiments already exists"), and four commands
    creating one store at once collided the same way. Renamed whole, the store is either absent or complete.
    """
    if path.exists():
        return
    from filelock import FileLock
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    with FileLock(str(path) + ".lock", timeout=STORE_CREATE_TIMEOUT_SECONDS):
        if path.exists():  # another process created it while this one waited
            return
        for stale in directory.glob(f".{path.name}.*.creating"):  # left by a process killed while creating
            stale.unlink(missing_ok=True)
        temporary = directory / f".{path.name}.{os.getpid()}.creating"
        store = SqlAlchemyStore(f"sqlite:///{temporary}", (directory / "mlartifacts").as_uri())
        store.engine.dispose()
        os.replace(temporary, path)


def experiment_id(client: MlflowClient, uri: str, name: str) -> str:
    """Get or create the experiment; a local store keeps its artifacts next to the database, not in ./mlruns."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if not set(EXPERIMENT_KIND) & set(experiment.tags):  # created before llmbench set its kind
            for key, value in EXPERIMENT_KIND.items():
                client.set_experiment_tag(experiment.experiment_id, key, value)
        return str(experiment.experiment_id)
    directory = sqlite_dir(uri)
    location = None
    if directory is not None:
        location = (directory / "mlartifacts" / re.sub(r"[^A-Za-z0-9_.-]", "_", name)).as_uri()
    try:
        return client.create_experiment(name, artifact_location=location, tags=EXPERIMENT_KIND)
    except MlflowException:
        # Another flow created it between our lookup and create.
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)


def warm_store(tracking_uri: str | None) -> None:
    """Open the store of ``tracking_uri`` once, ahead of the run's records: MLflow keeps one store per URI, so the
    records reuse it instead of paying its schema check after the calls (a new local store is created here)."""
    tracking_client(tracking_uri)
