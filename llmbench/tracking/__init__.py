"""MLflow tracking of llmbench runs: the only package of llmbench that imports mlflow."""

from llmbench.tracking.mlflow_store import default_tracking_uri, find_runs, log_comparison, log_profiles, model_keys
from llmbench.tracking.secrets import scrub_secrets

__all__ = ["default_tracking_uri", "find_runs", "log_comparison", "log_profiles", "model_keys", "scrub_secrets"]
