"""Running the llmbench deployments of ``prefect.yaml``: ``deployments.local`` starts a local stack for
``make serve`` and the end-to-end test; README.md describes a remote Prefect server and MLflow tracking server."""
