"""log_comparison / log_profiles / find_runs against a real SQLite MLflow store in a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llmbench.tracking as tracking
from llmbench.analysis import analyze
from llmbench.ranking import RankingEngine
from llmbench.tracking import default_tracking_uri, find_runs, log_comparison, log_profiles, model_keys, scrub_secrets
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

CANARY = "sk-canary-123"
ORACLE, PRICED, UNPRICED = "sim/oracle-xl", "openai/gpt-4o", "local/mystery"


def _ok(model: str, item: str, quality: float, latency: float, cost: float | None, sim: bool = False) -> ModelResult:
    return ModelResult(
        model=model,
        item_id=item,
        success=True,
        response=f"answer of {model} to {item}",
        latency_ms=latency,
        cost_usd=cost,
        price_known=cost is not None,
        scores={"faithfulness": quality, "relevance": quality, "coherence": 1.0},
        simulated=sim,
    )


def _result() -> ComparisonResult:
    items = [DatasetItem(id=f"q{i}", prompt=f"question {i}", reference="ref") for i in range(2)]
    results = [
        _ok(ORACLE, "q0", 0.9, 120, 0.0, sim=True),
        _ok(ORACLE, "q1", 0.8, 140, 0.0, sim=True),
        _ok(PRICED, "q0", 0.7, 300, 0.002),
        ModelResult(model=PRICED, item_id="q1", success=False, error="HTTP 503 upstream", error_type="ServerError"),
        _ok(UNPRICED, "q0", 0.6, 80, None),
        _ok(UNPRICED, "q1", 0.5, 90, None),
    ]
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(
        name="unit",
        models=[ORACLE, PRICED, UNPRICED],
        items=items,
        results=results,
        rankings=rankings,
        winner=rankings[0].model,
        recommendations=engine.recommend(rankings),
        analysis=analyze(results, rankings, items),
        pairwise_matrix=engine.pairwise_matrix(rankings),
        duration_ms=1234.0,
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/mlflow.db"


def test_public_api() -> None:
    for name in tracking.__all__:
        assert hasattr(tracking, name)


def test_default_tracking_uri(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert default_tracking_uri() == "http://mlflow:5000"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.setenv("LLMBENCH_HOME", str(tmp_path))
    assert default_tracking_uri() == f"sqlite:////{str(tmp_path).lstrip('/')}/mlflow.db"
    monkeypatch.delenv("LLMBENCH_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))  # the home is ~/.llmbench whatever the working directory
    monkeypatch.chdir(tmp_path / "..")
    assert default_tracking_uri() == f"sqlite:///{tmp_path.resolve()}/.llmbench/mlflow.db"


def test_model_keys_are_metric_safe_and_unique() -> None:
    assert model_keys([ORACLE, "sim_oracle-xl", "a b:c"]) == {
        ORACLE: "sim_oracle-xl",
        "sim_oracle-xl": "sim_oracle-xl_2",
        "a b:c": "a_b_c",
    }


def test_log_comparison_records_everything(store: str, tmp_path: Path) -> None:
    result = _result()
    run_id = log_comparison(
        result,
        experiment="unit-tests",
        params={"concurrency": 4, "extra": {"a": 1}},
        tags={"prefect.flow_run_id": "abc"},
        tracking_uri=store,
        dataset_name="tiny",
        dataset_hash="deadbeef",
    )
    [run] = find_runs("unit-tests", tracking_uri=store)
    assert run["run_id"] == run_id and run["status"] == "FINISHED"
    params, metrics, tags = run["params"], run["metrics"], run["tags"]
    assert params["models"] == f"{ORACLE},{PRICED},{UNPRICED}"
    assert params["weights"] == "quality=0.6,performance=0.2,cost=0.2"
    assert params.items() >= {"n_items": "2", "concurrency": "4", "extra": '{"a": 1}'}.items()
    assert params["dataset_name"] == "tiny" and params["dataset_hash"] == "deadbeef"

    oracle = next(r for r in result.rankings if r.model == ORACLE)
    children = run["children"]
    assert set(children) == {ORACLE, PRICED, UNPRICED}
    child = children[ORACLE]["metrics"]
    assert child["quality"] == pytest.approx(oracle.component_scores.quality)
    assert child["faithfulness"] == pytest.approx(0.85)
    assert child["latency_p50_ms"] == pytest.approx(130)
    assert child["rank"] == oracle.rank
    # A declared price of 0 is a known cost and is logged as 0.
    assert child["cost_total_usd"] == 0.0
    assert children[PRICED]["metrics"]["cost_per_item_usd"] == pytest.approx(0.002)
    assert children[PRICED]["metrics"]["success_rate"] == pytest.approx(0.5)
    assert metrics["n_models"] == 3 and metrics["n_items"] == 2 and metrics["n_failed_calls"] == 1
    assert metrics["duration_ms"] == 1234.0
    assert not [k for k in metrics if "." in k]  # no per-model-prefixed metric on the parent any more

    assert tags["llmbench.winner"] == result.winner
    assert tags["llmbench.complete"] == "true" and tags["llmbench.simulated"] == "true"
    assert tags["prefect.flow_run_id"] == "abc"
    assert children[ORACLE]["tags"]["llmbench.model"] == ORACLE

    assert set(run["artifacts"]) >= {
        "results/items.json",
        "rankings.json",
        "comparison.json",
        "report.md",
        "plots/pairwise_quality.png",
        "plots/quality_vs_cost.png",
    }
    # Artifacts live next to the database, not in ./mlruns.
    artifacts = tmp_path / "mlartifacts" / "unit-tests"
    table = json.loads(next(artifacts.rglob("items.json")).read_text())
    assert len(table["data"]) == 6 and "faithfulness" in table["columns"]
    rankings = json.loads(next(artifacts.rglob("rankings.json")).read_text())
    assert [r["model"] for r in rankings] == [r.model for r in result.rankings]
    assert result.winner in next(artifacts.rglob("report.md")).read_text()
    assert next(artifacts.rglob("pairwise_quality.png")).read_bytes()[:4] == b"\x89PNG"


def _stats_result() -> ComparisonResult:
    from llmbench.comparison import rank_results
    from llmbench.types import RankingWeights

    results = [
        _ok(model, f"q{i}", quality - 0.05 * (i % period), latency, cost)
        for model, quality, period, latency, cost in ((ORACLE, 0.9, 4, 400, 0.01), (UNPRICED, 0.6, 3, 100, None))
        for i in range(12)
    ]
    outcome = rank_results(results, RankingWeights())
    return ComparisonResult(
        name="stats",
        models=[ORACLE, UNPRICED],
        results=results,
        rankings=outcome.rankings,
        winner=outcome.rankings[0].model,
        recommendations=outcome.recommendations,
        pairwise_matrix=outcome.pairwise_matrix,
        statistics=outcome.statistics,
    )


def test_statistics_are_logged_as_interval_metrics_plots_and_json(store: str, tmp_path: Path) -> None:
    result = _stats_result()
    log_comparison(result, experiment="stats", tracking_uri=store)
    [run] = find_runs("stats", tracking_uri=store)
    oracle = next(m for m in result.statistics.models if m.model == ORACLE)  # type: ignore[union-attr]
    assert run["metrics"]["statistics_enabled"] == 1.0 and run["tags"]["llmbench.statistics"] == "on"
    metrics = run["children"][ORACLE]["metrics"]
    assert metrics["quality_ci_low"] == pytest.approx(oracle.quality.low)
    assert metrics["quality_ci_high"] == pytest.approx(oracle.quality.high)
    assert metrics["overall_ci_low"] <= metrics["overall_score"]
    assert metrics["rank_group"] == oracle.rank_group
    assert metrics["p_best"] == pytest.approx(oracle.p_best)
    assert "bt_rating" in metrics and "latency_p50_ms_ci_high" in metrics
    # unknown price: no cost interval either
    assert not [k for k in run["children"][UNPRICED]["metrics"] if k.startswith("cost")]
    assert {"plots/intervals.png", "plots/pareto.png", "statistics.json"} <= set(run["artifacts"])
    stored = json.loads(next((tmp_path / "mlartifacts" / "stats").rglob("statistics.json")).read_text())
    assert stored["groups"] == result.statistics.groups  # type: ignore[union-attr]


def test_statistics_off_are_tagged_with_the_reason(store: str) -> None:
    log_comparison(_result(), experiment="few", tracking_uri=store)  # built without statistics
    [run] = find_runs("few", tracking_uri=store)
    assert run["metrics"]["statistics_enabled"] == 0.0 and run["tags"]["llmbench.statistics"] == "none"
    assert "plots/intervals.png" not in run["artifacts"]


def test_unknown_price_logs_no_cost_metric(store: str) -> None:
    log_comparison(_result(), experiment="prices", tracking_uri=store)
    [run] = find_runs("prices", tracking_uri=store)
    mystery, priced = run["children"][UNPRICED], run["children"][PRICED]
    assert not [k for k in mystery["metrics"] if k.startswith("cost")]
    assert mystery["tags"]["llmbench.price"] == "unknown" and "quality" in mystery["metrics"]
    assert priced["tags"]["llmbench.price"] == "known"


def test_secrets_are_scrubbed_everywhere(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMBENCH_TEST_API_KEY", CANARY)
    monkeypatch.setenv("MY_PROVIDER_CRED", "cred-canary-456")
    result = _result()
    result.results[0].response = f"leaked {CANARY} and cred-canary-456"
    log_comparison(
        result,
        experiment="secrets",
        run_name=f"run {CANARY}",
        params={"endpoint": f"https://x?key={CANARY}", "cred": "cred-canary-456"},
        tags={"note": CANARY},
        tracking_uri=store,
        secret_env_names=["MY_PROVIDER_CRED"],
    )
    log_profiles({}, {PRICED: {"quality_score": 0.5, "note": CANARY}}, [], experiment="secrets", tracking_uri=store)
    runs = find_runs("secrets", tracking_uri=store)
    assert len(runs) == 2
    run = next(r for r in runs if r["tags"].get("llmbench.kind") != "profiles")
    assert run["params"]["endpoint"] == "https://x?key=***"
    assert run["params"]["cred"] == "***" and run["tags"]["note"] == "***"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "mlflow.db" for p in files) and len(files) > 5
    for path in files:
        data = path.read_bytes()
        assert CANARY.encode() not in data, path
        assert b"cred-canary-456" not in data, path


def test_scrub_ignores_short_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG_TOKEN", "1")
    monkeypatch.setenv("X_SECRET", "abcdefgh-secret")
    assert scrub_secrets("1 + abcdefgh-secret") == "1 + ***"


def test_log_profiles(store: str) -> None:
    before = {PRICED: {"quality_score": 0.5, "avg_latency_ms": 400.0, "sample_count": 3}}
    after = {
        PRICED: {"quality_score": 0.6, "avg_latency_ms": 380.0, "sample_count": 5},
        ORACLE: {"overall": {"quality_mean": 0.9, "latency_p50_ms": 120.0, "sample_count": 2}},
    }
    changes: list[dict[str, object]] = [{"model": PRICED, "field": "quality_score", "before": 0.5, "after": 0.6}]
    run_id = log_profiles(before, after, changes, experiment="profiles", tags={"k": "v"}, tracking_uri=store)
    [run] = find_runs("profiles", tracking_uri=store)
    assert run["run_id"] == run_id and run["tags"]["k"] == "v"
    assert run["metrics"]["openai_gpt-4o.quality"] == pytest.approx(0.6)
    assert run["metrics"]["sim_oracle-xl.latency_p50_ms"] == pytest.approx(120.0)
    assert run["metrics"]["n_changes"] == 1
    assert set(run["artifacts"]) == {"profiles_before.json", "profiles_after.json", "profile_changes.json"}


def test_find_runs_unknown_experiment(store: str) -> None:
    assert find_runs("nope", tracking_uri=store) == []
