"""One MLflow client per call, and the experiments llmbench records into.

A client per call instead of the fluent ``mlflow.*`` API: the fluent API keeps the active run and experiment in
process-global state, which concurrent Prefect flows would share.
"""

from __future__ import annotations

import re

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from llmbench.tracking.uri import default_tracking_uri, sqlite_dir

__all__ = ["EXPERIMENT_KIND", "experiment_id", "tracking_client", "warm_store"]

#: MLflow 3's UI opens an experiment by its kind: this one shows the runs table with its chart and compare views
#: (the GenAI kind opens a traces overview, empty for llmbench, whose runs are not traced).
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def tracking_client(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    """A client of ``tracking_uri`` (default: llmbench's store) and the URI it uses; a local store's directory
    is created."""
    uri = tracking_uri or default_tracking_uri()
    directory = sqlite_dir(uri)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri), uri


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
