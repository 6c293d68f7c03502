"""Record comparisons and profile updates as MLflow runs.

Every call takes its own ``MlflowClient(tracking_uri)`` instead of the fluent ``mlflow.*`` API: the fluent API
keeps the active run and experiment in process-global state, which concurrent Prefect flows would share.
Params, metrics and tags go out in ``log_batch`` calls (one round trip instead of one per value).

Metric names use a model key: the identifier with anything but letters, digits, ``_ - .`` replaced by ``_``
(``sim/oracle-xl`` → ``sim_oracle-xl``); the tag ``llmbench.model.<key>`` maps it back to the identifier.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException

from llmbench.report import item_rows, render_markdown
from llmbench.tracking.plots import pairwise_quality_figure, quality_vs_cost_figure
from llmbench.tracking.secrets import scrub_secrets, secret_values
from llmbench.types import ComparisonResult

__all__ = ["default_tracking_uri", "find_runs", "log_comparison", "log_profiles", "model_keys"]

_PARAM_LIMIT = 6000  # MLflow rejects longer param values
_TAG_LIMIT = 8000
_NOTE_LIMIT = 4000
# log_batch limits per request.
_BATCH_METRICS, _BATCH_PARAMS, _BATCH_TAGS = 1000, 100, 100


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the SQLite store in the llmbench home (``llmbench.home``)."""
    from llmbench.home import home_paths

    return os.environ.get("MLFLOW_TRACKING_URI") or home_paths().mlflow_uri


def _sqlite_dir(uri: str) -> Path | None:
    """Directory of a local SQLite store, None for in-memory or remote stores."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///") :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return (Path.cwd() / path).resolve().parent  # an absolute path ignores Path.cwd()


def _client(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    uri = tracking_uri or default_tracking_uri()
    directory = _sqlite_dir(uri)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri), uri


def _experiment_id(client: MlflowClient, uri: str, name: str) -> str:
    """Get or create the experiment; a local store keeps its artifacts next to the database, not in ./mlruns."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    directory = _sqlite_dir(uri)
    location = None
    if directory is not None:
        location = (directory / "mlartifacts" / re.sub(r"[^A-Za-z0-9_.-]", "_", name)).as_uri()
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:
        # Another flow created it between our lookup and create.
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def model_keys(models: Iterable[str]) -> dict[str, str]:
    """Metric-safe key of each model, unique even when two identifiers sanitise alike."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for model in models:
        if model in keys:
            continue
        key, n = _key(model), 2
        while key in used:
            key, n = f"{_key(model)}_{n}", n + 1
        keys[model] = key
        used.add(key)
    return keys


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_jsonable(value), sort_keys=True, default=str)


def _jsonable(value: object) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _limit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _log_batches(
    client: MlflowClient, run_id: str, metrics: list[Metric], params: dict[str, str], tags: dict[str, str]
) -> None:
    param_list = [Param(k, _limit(v, _PARAM_LIMIT)) for k, v in params.items()]
    tag_list = [RunTag(k, _limit(v, _TAG_LIMIT)) for k, v in tags.items()]
    while metrics or param_list or tag_list:
        client.log_batch(
            run_id, metrics=metrics[:_BATCH_METRICS], params=param_list[:_BATCH_PARAMS], tags=tag_list[:_BATCH_TAGS]
        )
        metrics, param_list, tag_list = metrics[_BATCH_METRICS:], param_list[_BATCH_PARAMS:], tag_list[_BATCH_TAGS:]


def _metrics(values: Mapping[str, float | int | None], timestamp: int) -> list[Metric]:
    return [Metric(k, float(v), timestamp, 0) for k, v in values.items() if v is not None]


def _comparison_values(
    result: ComparisonResult, keys: dict[str, str]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Per-model and run-level metrics, plus the per-model tags (price status, key → identifier)."""
    values: dict[str, float | None] = {
        "n_models": len(result.models),
        "n_items": len(result.items) or len({r.item_id for r in result.results}),
        "n_failed_calls": sum(not r.success for r in result.results),
        "duration_ms": result.duration_ms,
    }
    if result.analysis is not None:
        values["mean_agreement"] = result.analysis.mean_agreement
    tags: dict[str, str] = {}
    for r in result.rankings:
        k = keys[r.model]
        tags[f"llmbench.model.{k}"] = r.model
        values |= {f"{k}.success_rate": r.success_rate, f"{k}.overall_score": r.overall_score, f"{k}.rank": r.rank}
        if r.success_rate > 0:  # with no success quality and latency are unknown, not 0
            values |= {
                f"{k}.quality": r.component_scores.quality,
                f"{k}.latency_p50_ms": r.latency_ms,
                f"{k}.latency_p95_ms": r.latency_p95_ms,
            }
            values |= {f"{k}.{_key(name)}": score for name, score in r.metrics.items()}
        if r.cost_usd is not None:
            costs = [x.cost_usd for x in result.results if x.model == r.model and x.cost_usd is not None]
            values |= {f"{k}.cost_per_item_usd": r.cost_usd, f"{k}.cost_total_usd": sum(costs)}
        else:
            tags[f"{k}.price"] = "unknown" if not r.price_known else "unmeasured"
    return values, tags


def _note(result: ComparisonResult) -> str:
    lines = [f"**Winner:** {result.winner or 'none'}"]
    if result.analysis is not None:
        lines.append(result.analysis.summary)
    if not result.complete:
        lines.append(f"Incomplete: {', '.join(result.incomplete_models)}")
    return _limit("\n\n".join(lines), _NOTE_LIMIT)


def _finish(client: MlflowClient, run_id: str, body: Callable[[], None]) -> None:
    """Run ``body`` and close the run FINISHED, or FAILED (and re-raise) so no run is left RUNNING."""
    try:
        body()
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")


def log_comparison(
    result: ComparisonResult,
    *,
    experiment: str,
    run_name: str | None = None,
    params: dict[str, object] | None = None,
    tags: dict[str, str] | None = None,
    report_markdown: str | None = None,
    tracking_uri: str | None = None,
    dataset_name: str | None = None,
    dataset_hash: str | None = None,
    secret_env_names: Sequence[str] = (),
) -> str:
    """Log one comparison as an MLflow run and return its id.

    ``secret_env_names`` adds the ``ModelConfig.api_key_env`` variables to the secret scrub (see
    :mod:`llmbench.tracking.secrets`); a ComparisonResult does not carry its model configs.
    """
    secrets = secret_values(secret_env_names)

    def scrub(text: str) -> str:
        return scrub_secrets(text, secrets=secrets)

    client, uri = _client(tracking_uri)
    experiment_id = _experiment_id(client, uri, experiment)
    run = client.create_run(experiment_id, run_name=scrub(run_name or f"{result.name}-{result.comparison_id}"))
    run_id = run.info.run_id
    keys = model_keys([*result.models, *(r.model for r in result.rankings)])

    def body() -> None:
        w = result.weights
        all_params: dict[str, object] = {
            "name": result.name,
            "comparison_id": result.comparison_id,
            "models": ",".join(result.models),
            "weights": f"quality={w.quality:g},performance={w.performance:g},cost={w.cost:g}",
            "metrics": ",".join(result.metrics),
            "n_items": len(result.items) or len({r.item_id for r in result.results}),
        }
        if dataset_name is not None:
            all_params["dataset_name"] = dataset_name
        if dataset_hash is not None:
            all_params["dataset_hash"] = dataset_hash
        all_params |= params or {}
        values, model_tags = _comparison_values(result, keys)
        all_tags = {
            "llmbench.winner": result.winner or "none",
            "llmbench.complete": str(result.complete).lower(),
            "llmbench.simulated": str(any(r.simulated for r in result.results)).lower(),
            "llmbench.comparison_id": result.comparison_id,
            "mlflow.note.content": _note(result),
            **model_tags,
            **(tags or {}),
        }
        if result.incomplete_models:
            all_tags["llmbench.incomplete_models"] = ",".join(result.incomplete_models)
        _log_batches(
            client,
            run_id,
            _metrics(values, int(time.time() * 1000)),
            {k: scrub(_text(v)) for k, v in all_params.items()},
            {k: scrub(v) for k, v in all_tags.items()},
        )
        rows = [{k: scrub(v) if isinstance(v, str) else v for k, v in row.items()} for row in item_rows(result)]
        client.log_table(run_id, data=pd.DataFrame(rows), artifact_file="results/items.json")
        rankings = json.dumps([r.model_dump(mode="json") for r in result.rankings], indent=2)
        client.log_text(run_id, scrub(rankings), "rankings.json")
        client.log_text(run_id, scrub(result.model_dump_json(indent=2)), "comparison.json")
        client.log_text(run_id, scrub(report_markdown or render_markdown(result)), "report.md")
        heatmap = pairwise_quality_figure(result.pairwise_matrix)
        if heatmap is not None:  # no model succeeded: nothing to compare
            client.log_figure(run_id, heatmap, "plots/pairwise_quality.png")
        client.log_figure(run_id, quality_vs_cost_figure(result), "plots/quality_vs_cost.png")

    _finish(client, run_id, body)
    return run_id


def _profile_figures(profile: object) -> dict[str, float | None]:
    """Quality and latency of one profile, from the simple form or from ``overall``."""
    data = _jsonable(profile)
    if not isinstance(data, Mapping):
        return {}
    nested = data.get("overall")
    overall: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    quality = data.get("quality_score", overall.get("quality_mean"))
    latency = data.get("avg_latency_ms", overall.get("latency_p50_ms"))
    samples = data.get("sample_count", overall.get("sample_count"))
    return {
        "quality": quality if isinstance(quality, int | float) else None,
        "latency_p50_ms": latency if isinstance(latency, int | float) else None,
        "sample_count": samples if isinstance(samples, int | float) else None,
    }


def log_profiles(
    before: dict[str, object],
    after: dict[str, object],
    changes: list[dict[str, object]],
    *,
    experiment: str,
    tags: dict[str, str] | None = None,
    tracking_uri: str | None = None,
    run_name: str | None = None,
    secret_env_names: Sequence[str] = (),
) -> str:
    """Log one update of the router's model profiles (before, after, what changed) and return the run id."""
    secrets = secret_values(secret_env_names)

    def scrub(text: str) -> str:
        return scrub_secrets(text, secrets=secrets)

    client, uri = _client(tracking_uri)
    run = client.create_run(_experiment_id(client, uri, experiment), run_name=run_name or "profiles")
    run_id = run.info.run_id
    keys = model_keys(after)

    def body() -> None:
        values: dict[str, float | int | None] = {"n_models": len(after), "n_changes": len(changes)}
        model_tags: dict[str, str] = {}
        for model, profile in after.items():
            model_tags[f"llmbench.model.{keys[model]}"] = model
            values |= {f"{keys[model]}.{name}": v for name, v in _profile_figures(profile).items()}
        all_tags = {"llmbench.kind": "profiles", **model_tags, **(tags or {})}
        _log_batches(
            client,
            run_id,
            _metrics(values, int(time.time() * 1000)),
            {"models": scrub(",".join(after)), "n_models": str(len(after))},
            {k: scrub(v) for k, v in all_tags.items()},
        )
        for name, profiles in (("profiles_before.json", before), ("profiles_after.json", after)):
            client.log_text(run_id, scrub(json.dumps(_jsonable(profiles), indent=2, default=str)), name)
        rows = [{k: scrub(_text(v)) if not isinstance(v, int | float) else v for k, v in c.items()} for c in changes]
        if rows:
            client.log_table(run_id, data=pd.DataFrame(rows), artifact_file="profile_changes.json")
        else:
            client.log_text(run_id, "[]", "profile_changes.json")

    _finish(client, run_id, body)
    return run_id


def _artifact_paths(client: MlflowClient, run_id: str, path: str | None = None) -> list[str]:
    paths: list[str] = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            paths.extend(_artifact_paths(client, run_id, info.path))
        else:
            paths.append(info.path)
    return sorted(paths)


def find_runs(experiment: str, tracking_uri: str | None = None) -> list[dict[str, Any]]:
    """Runs of an experiment, newest first: id, name, status, params, metrics, tags and artifact paths."""
    client, _ = _client(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"])
    return [
        {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "status": run.info.status,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
            "tags": dict(run.data.tags),
            "artifacts": _artifact_paths(client, run.info.run_id),
        }
        for run in runs
    ]
