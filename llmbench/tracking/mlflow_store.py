"""Record comparisons and profile updates as MLflow runs.

A comparison is a parent run (run-level metrics, params, tags, the artifacts) with one child run per model whose
metrics have the same names for every model (what goes where: :mod:`llmbench.tracking.content`). Params, metrics
and tags go out in ``log_batch`` calls (one round trip instead of one per value). The parent starts when the flow
started and every run ends when recording finished, so MLflow shows the run's real duration.

Metric names use a model key only in profile runs: the identifier with anything but letters, digits, ``_ - .``
replaced by ``_`` (``sim/oracle-xl`` → ``sim_oracle-xl``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, Run, RunTag

from llmbench.report import item_rows, render_markdown
from llmbench.tracking.client import experiment_id, tracking_client
from llmbench.tracking.content import KIND_TAG, RunRecord, run_note, run_record
from llmbench.tracking.keys import model_keys
from llmbench.tracking.plots import intervals_figure, pairwise_quality_figure, pareto_figure, quality_vs_cost_figure
from llmbench.tracking.secrets import scrub_secrets, secret_values
from llmbench.tracking.uri import default_tracking_uri
from llmbench.types import ComparisonResult

__all__ = ["default_tracking_uri", "find_runs", "log_comparison", "log_profiles", "model_keys"]

_PARAM_LIMIT = 6000  # MLflow rejects longer param values
_TAG_LIMIT = 8000
# log_batch limits per request.
_BATCH_METRICS, _BATCH_PARAMS, _BATCH_TAGS = 1000, 100, 100
PARENT_TAG = "mlflow.parentRunId"

# Kept for callers of the first version of this module.
_client = tracking_client
_experiment_id = experiment_id


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
    """Unknown values are left out (never 0); the rest rounded to 6 significant figures, as MLflow's tables show
    them in full (``2167.7008799997566``). The exact values stay in comparison.json."""
    return [Metric(k, float(f"{float(v):.6g}"), timestamp, 0) for k, v in values.items() if v is not None]


def _finish(client: MlflowClient, run_ids: Sequence[str], body: Callable[[], None]) -> None:
    """Run ``body`` and close the runs FINISHED, or FAILED (and re-raise) so no run is left RUNNING. Children
    are listed after their parent and closed first; all share one end time."""
    try:
        body()
    except BaseException:
        for run_id in reversed(run_ids):
            client.set_terminated(run_id, status="FAILED")
        raise
    end = int(time.time() * 1000)
    for run_id in reversed(run_ids):
        client.set_terminated(run_id, status="FINISHED", end_time=end)


def _log_artifacts(
    client: MlflowClient, run_id: str, result: ComparisonResult, report: str, scrub: Callable[[str], str]
) -> None:
    rows = [{k: scrub(v) if isinstance(v, str) else v for k, v in row.items()} for row in item_rows(result)]
    client.log_table(run_id, data=pd.DataFrame(rows), artifact_file="results/items.json")
    rankings = json.dumps([r.model_dump(mode="json") for r in result.rankings], indent=2)
    client.log_text(run_id, scrub(rankings), "rankings.json")
    client.log_text(run_id, scrub(result.model_dump_json(indent=2)), "comparison.json")
    client.log_text(run_id, scrub(report), "report.md")
    heatmap = pairwise_quality_figure(result.pairwise_matrix)
    if heatmap is not None:  # no model succeeded: nothing to compare
        client.log_figure(run_id, heatmap, "plots/pairwise_quality.png")
    client.log_figure(run_id, quality_vs_cost_figure(result), "plots/quality_vs_cost.png")
    for name, figure in (("intervals", intervals_figure(result)), ("pareto", pareto_figure(result))):
        if figure is not None:  # statistics off or nothing ranked: no such picture
            client.log_figure(run_id, figure, f"plots/{name}.png")
    if result.statistics is not None:
        client.log_text(run_id, scrub(result.statistics.model_dump_json(indent=2)), "statistics.json")


def _log_children(
    client: MlflowClient,
    experiment: str,
    parent_id: str,
    record: RunRecord,
    start_ms: int,
    scrub: Callable[[str], str],
    created: list[str],
) -> None:
    """One child run per model; each id is appended to ``created`` as soon as it exists, so a failure closes it."""
    timestamp = int(time.time() * 1000)
    for model in record.models:
        tags = {k: scrub(v) for k, v in model.tags.items()} | {PARENT_TAG: parent_id}
        child = client.create_run(experiment, start_time=start_ms, tags=tags, run_name=scrub(model.name))
        created.append(child.info.run_id)
        params = {k: scrub(v) for k, v in model.params.items()}
        _log_batches(client, child.info.run_id, _metrics(model.metrics, timestamp), params, {})


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
    started_at: float | None = None,
) -> str:
    """Log one comparison as a parent MLflow run with a child run per model, and return the parent's id.

    ``run_name`` defaults to the run's title ("qa_small · 5 models × 12 items · sim/oracle-xl first");
    ``started_at`` (epoch seconds, default now) is when the flow started, so the run's duration is the real one;
    ``tags`` carry the Prefect flow run (``prefect.flow_run_url`` becomes a link in the run's description).
    ``secret_env_names`` adds the ``ModelConfig.api_key_env`` variables to the secret scrub (see
    :mod:`llmbench.tracking.secrets`); a ComparisonResult does not carry its model configs. Every argument is
    plain data, so recording can run in another process.
    """
    secrets = secret_values(secret_env_names)

    def scrub(text: str) -> str:
        return scrub_secrets(text, secrets=secrets)

    extra = dict(params or {})
    extra |= {"dataset_name": dataset_name} if dataset_name is not None else {}
    extra |= {"dataset_hash": dataset_hash} if dataset_hash is not None else {}
    record = run_record(result, params=extra, tags=tags, run_name=run_name)
    client, uri = tracking_client(tracking_uri)
    experiment_key = experiment_id(client, uri, experiment)
    start_ms = int((started_at if started_at is not None else time.time()) * 1000)
    run = client.create_run(experiment_key, start_time=start_ms, run_name=scrub(record.name))
    run_id = run.info.run_id
    runs = [run_id]

    def body() -> None:
        # The children first: the parent's description links to them.
        _log_children(client, experiment_key, run_id, record, start_ms, scrub, runs)
        note = run_note(result, run_id, record.tags, experiment_key, runs[1:])
        _log_batches(
            client,
            run_id,
            _metrics(record.metrics, int(time.time() * 1000)),
            {k: scrub(_text(v)) for k, v in record.params.items()},
            {k: scrub(v) for k, v in (record.tags | {"mlflow.note.content": note}).items()},
        )
        _log_artifacts(client, run_id, result, report_markdown or render_markdown(result), scrub)

    _finish(client, runs, body)
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

    client, uri = tracking_client(tracking_uri)
    run = client.create_run(experiment_id(client, uri, experiment), run_name=run_name or "profiles")
    run_id = run.info.run_id
    keys = model_keys(after)

    def body() -> None:
        values: dict[str, float | int | None] = {"n_models": len(after), "n_changes": len(changes)}
        model_tags: dict[str, str] = {}
        for model, profile in after.items():
            model_tags[f"llmbench.model.{keys[model]}"] = model
            values |= {f"{keys[model]}.{name}": v for name, v in _profile_figures(profile).items()}
        all_tags = {KIND_TAG: "profiles", **model_tags, **(tags or {})}
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

    _finish(client, [run_id], body)
    return run_id


def _artifact_paths(client: MlflowClient, run_id: str, path: str | None = None) -> list[str]:
    paths: list[str] = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            paths.extend(_artifact_paths(client, run_id, info.path))
        else:
            paths.append(info.path)
    return sorted(paths)


def _run_dict(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
        "status": run.info.status,
        "start_time": run.info.start_time,
        "end_time": run.info.end_time,
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
        "tags": dict(run.data.tags),
    }


def find_runs(experiment: str, tracking_uri: str | None = None) -> list[dict[str, Any]]:
    """Top-level runs of an experiment, newest first: id, name, status, times, params, metrics, tags, artifact
    paths, and ``children``: each child run (a comparison's per-model runs) by its ``llmbench.model`` tag."""
    client, _ = tracking_client(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"])
    children: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        parent = run.data.tags.get(PARENT_TAG)
        if parent is not None:
            model = run.data.tags.get("llmbench.model", run.info.run_name or run.info.run_id)
            children.setdefault(parent, {})[model] = _run_dict(run)
    return [
        _run_dict(run)
        | {"artifacts": _artifact_paths(client, run.info.run_id), "children": children.get(run.info.run_id, {})}
        for run in runs
        if PARENT_TAG not in run.data.tags
    ]
