"""What a comparison's MLflow run looks like to a reader: a parent with a child run per model under the same
metric names, a title, a description with a clickable Prefect link, and the run's real duration."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from mlflow import MlflowClient

from llmbench.comparison import rank_results
from llmbench.tracking import find_runs, log_comparison, mark_run_failed
from llmbench.types import ComparisonResult, DatasetItem, ModelResult, RankingWeights

MODELS = ("sim/oracle-xl", "openai/gpt-4o", "local/mystery")
PREFECT_URL = "http://127.0.0.1:4242/runs/flow-run/6a1c"


def _row(model: str, i: int, quality: float, latency: float, cost: float | None) -> ModelResult:
    return ModelResult(
        model=model,
        item_id=f"q{i}",
        success=True,
        response=f"{model} answers {i}",
        latency_ms=latency,
        cost_usd=cost,
        price_known=cost is not None,
        scores={"correctness": quality - 0.05 * (i % 3), "coherence": 1.0},
        simulated=model.startswith("sim/"),
    )


def _result(n_items: int = 12) -> ComparisonResult:
    specs = zip(MODELS, (0.9, 0.7, 0.5), (400.0, 150.0, 80.0), (0.01, 0.002, None), strict=True)
    results = [_row(m, i, q, lat, c) for m, q, lat, c in specs for i in range(n_items)]
    outcome = rank_results(results, RankingWeights())
    return ComparisonResult(
        name="qa_small",
        models=list(MODELS),
        items=[DatasetItem(id=f"q{i}", prompt=f"question {i}", reference="ref") for i in range(n_items)],
        results=results,
        rankings=outcome.rankings,
        winner=outcome.rankings[0].model,
        recommendations=outcome.recommendations,
        statistics=outcome.statistics,
        metrics=["correctness", "coherence"],
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/mlflow.db"


def test_each_model_is_a_child_run_with_the_same_metric_names(store: str) -> None:
    result = _result()
    run_id = log_comparison(result, experiment="records", tracking_uri=store)
    [run] = find_runs("records", tracking_uri=store)
    assert run["run_id"] == run_id
    children = run["children"]
    assert set(children) == set(MODELS)
    for model, child in children.items():
        assert child["tags"]["mlflow.parentRunId"] == run_id and child["run_name"] == model
        assert child["status"] == "FINISHED"
    # The same names on every child: what MLflow's charts and compare view line up.
    shared = {"quality", "overall_score", "latency_p50_ms", "success_rate", "rank", "rank_group", "p_best"}
    shared |= {"correctness", "coherence", "quality_ci_low", "quality_ci_high", "overall_ci_low", "bt_rating"}
    for child in children.values():
        assert shared <= set(child["metrics"]), shared - set(child["metrics"])
    ranking = {r.model: r for r in result.rankings}
    for model, child in children.items():
        assert child["metrics"]["quality"] == pytest.approx(ranking[model].component_scores.quality)
        assert child["metrics"]["rank"] == ranking[model].rank
    # Priced models carry their cost under one name; the unpriced one has none (never $0) and says why.
    assert children["openai/gpt-4o"]["metrics"]["cost_per_item_usd"] == pytest.approx(0.002)
    assert "cost_per_item_usd" not in children["local/mystery"]["metrics"]
    assert children["local/mystery"]["tags"]["llmbench.price"] == "unknown"
    # The parent keeps the run-level figures only.
    assert {"n_models", "n_items", "n_failed_calls", "statistics_enabled"} <= set(run["metrics"])
    assert not [name for name in run["metrics"] if "." in name]


def test_the_run_is_named_after_what_was_compared_and_who_came_first(store: str) -> None:
    result = _result()
    log_comparison(result, experiment="names", tracking_uri=store)
    [run] = find_runs("names", tracking_uri=store)
    # gpt-4o: cheaper and faster than oracle-xl, clearly better than mystery: first on the overall score.
    assert run["run_name"] == "qa_small · 3 models × 12 items · openai/gpt-4o first"
    log_comparison(result, experiment="names", tracking_uri=store, run_name="my own name")
    assert find_runs("names", tracking_uri=store)[0]["run_name"] == "my own name"


def test_the_description_links_the_prefect_flow_run_and_says_how_to_get_the_report(store: str) -> None:
    tags = {
        "prefect.flow_run_id": "6a1c",
        "prefect.flow_run_name": "bench qa_small",
        "prefect.flow_run_url": PREFECT_URL,
    }
    run_id = log_comparison(_result(), experiment="notes", tracking_uri=store, tags=tags)
    note = find_runs("notes", tracking_uri=store)[0]["tags"]["mlflow.note.content"]
    assert f"[bench qa_small]({PREFECT_URL})" in note  # Markdown: MLflow renders it as a link
    # Relative links to the models side by side: they work on whichever MLflow UI serves the store.
    [run] = find_runs("notes", tracking_uri=store)
    children = sorted(child["run_id"] for child in run["children"].values())
    charts = re.search(r"\[charts\]\((#/experiments/\d+/runs\?searchFilter=[^)]+&compareRunsMode=CHART)\)", note)
    assert charts is not None and unquote(charts.group(1)).count(run_id) == 1
    compare = re.search(r"\[compare view\]\(#/compare-runs\?runs=([^&]+)&experiments=[^)]+\)", note)
    assert compare is not None and sorted(json.loads(unquote(compare.group(1)))) == children
    assert f"llmbench report {run_id} --html" in note
    assert "sim/oracle-xl" in note and "quality" in note
    child_note = find_runs("notes", tracking_uri=store)[0]["children"]["openai/gpt-4o"]["tags"]["mlflow.note.content"]
    assert "rank" in child_note and "openai/gpt-4o" in child_note


def test_without_a_ui_url_the_description_names_the_flow_run(store: str) -> None:
    log_comparison(_result(), experiment="ephemeral", tracking_uri=store, tags={"prefect.flow_run_id": "6a1c"})
    note = find_runs("ephemeral", tracking_uri=store)[0]["tags"]["mlflow.note.content"]
    assert "Prefect flow run: `6a1c` (a temporary Prefect server: no UI link)" in note


def test_the_run_lasts_from_the_flow_start_to_the_end_of_recording(store: str) -> None:
    started = time.time() - 42.0
    before_end = time.time()
    log_comparison(_result(), experiment="duration", tracking_uri=store, started_at=started)
    after_end = time.time()
    [run] = find_runs("duration", tracking_uri=store)
    assert run["start_time"] == int(started * 1000)
    assert before_end * 1000 <= run["end_time"] <= after_end * 1000 + 1
    assert (run["end_time"] - run["start_time"]) / 1000 >= 42.0
    for child in run["children"].values():  # the children span the same time
        assert (child["start_time"], child["end_time"]) == (run["start_time"], run["end_time"])


def test_a_failed_recording_leaves_no_run_running(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmbench.tracking.mlflow_store as mlflow_store

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("artifact store full")

    monkeypatch.setattr(mlflow_store, "_log_artifacts", broken)
    with pytest.raises(OSError, match="artifact store full"):
        log_comparison(_result(), experiment="broken", tracking_uri=store)
    [run] = find_runs("broken", tracking_uri=store)
    assert run["status"] == "FAILED" and len(run["children"]) == 3
    assert {child["status"] for child in run["children"].values()} == {"FAILED"}


def test_marking_a_run_failed_marks_its_model_runs_too(store: str) -> None:
    run_id = log_comparison(_result(), experiment="marked", tracking_uri=store)
    mark_run_failed(run_id, store)
    [run] = find_runs("marked", tracking_uri=store)
    assert run["status"] == "FAILED"
    assert {child["status"] for child in run["children"].values()} == {"FAILED"}


def test_the_per_item_table_has_prompt_and_reference_columns(store: str, tmp_path: Path) -> None:
    run_id = log_comparison(_result(), experiment="table", tracking_uri=store)
    client = MlflowClient(store)
    table = json.loads(Path(client.download_artifacts(run_id, "results/items.json", str(tmp_path))).read_text())
    columns = table["columns"]
    assert columns[:5] == ["model", "item_id", "prompt", "reference", "response"]
    first = dict(zip(columns, table["data"][0], strict=True))
    assert first["prompt"] == "question 0" and first["reference"] == "ref"


def test_experiments_open_on_their_runs_and_metrics_are_rounded(store: str) -> None:
    result = _result()
    result.duration_ms = 2167.7008799997566
    log_comparison(result, experiment="kind", tracking_uri=store)
    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("kind")
    assert experiment is not None and experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    [run] = find_runs("kind", tracking_uri=store)
    assert run["metrics"]["duration_ms"] == 2167.7  # 6 significant figures, not 16
