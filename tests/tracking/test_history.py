"""Past runs read back from a real MLflow store: list comparisons only, resolve a run reference, load a result."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmbench.errors import TrackedRunNotFound, TrackingError
from llmbench.tracking import list_runs, load_run, log_comparison, log_profiles, resolve_run
from llmbench.types import ComparisonResult, ModelResult

EXPERIMENTS = ["hist-compare", "hist-bench"]


def _result(name: str, winner_quality: float) -> ComparisonResult:
    from llmbench.ranking import RankingEngine

    results = [
        ModelResult(
            model="sim/a", item_id="q", success=True, response="a", latency_ms=100, scores={"f": winner_quality}
        ),
        ModelResult(model="sim/b", item_id="q", success=True, response="b", latency_ms=100, scores={"f": 0.1}),
    ]
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(name=name, models=["sim/a", "sim/b"], results=results, rankings=rankings, winner="sim/a")


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/mlflow.db"


@pytest.fixture
def runs(store: str) -> list[str]:
    """Three comparisons in two experiments, oldest first, and a profiles run in a third."""
    ids = [
        log_comparison(_result("first", 0.9), experiment="hist-compare", tracking_uri=store, started_at=1_000_000),
        log_comparison(_result("second", 0.8), experiment="hist-bench", tracking_uri=store, started_at=2_000_000),
        log_comparison(_result("third", 0.7), experiment="hist-compare", tracking_uri=store, started_at=3_000_000),
    ]
    log_profiles({}, {"sim/a": {"quality_score": 0.5}}, [], experiment="hist-profiles", tracking_uri=store)
    return ids


def test_list_shows_comparisons_newest_first_without_their_model_runs(store: str, runs: list[str]) -> None:
    listed = list_runs(EXPERIMENTS, tracking_uri=store)
    assert [s.run_id for s in listed] == runs[::-1]  # 3 parents; their 6 child runs are not listed
    newest = listed[0]
    assert newest.experiment == "hist-compare" and newest.winner == "sim/a"
    assert newest.name.startswith("third · 2 models × 1 item") and newest.n_models == 2 and newest.n_items == 1
    assert newest.started_at is not None and newest.started_at.timestamp() == 3_000_000
    assert [s.run_id for s in list_runs(EXPERIMENTS, tracking_uri=store, limit=2)] == runs[:0:-1]


def test_an_empty_or_missing_store_lists_nothing_and_is_not_created(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/never/mlflow.db"
    assert list_runs(EXPERIMENTS, tracking_uri=store) == []
    assert not (tmp_path / "never").exists()
    with pytest.raises(TrackedRunNotFound, match="no llmbench run recorded yet in the MLflow store"):
        resolve_run("latest", EXPERIMENTS, tracking_uri=store)


def test_resolve_latest_prefix_and_full_id(store: str, runs: list[str]) -> None:
    assert resolve_run("latest", EXPERIMENTS, tracking_uri=store) == runs[2]
    assert resolve_run(runs[1][:10], EXPERIMENTS, tracking_uri=store) == runs[1]
    assert resolve_run(runs[0].upper(), EXPERIMENTS, tracking_uri=store) == runs[0]


def test_a_model_run_id_resolves_to_its_comparison(store: str, runs: list[str]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("hist-bench").experiment_id  # type: ignore[union-attr]
    [child, _] = client.search_runs([experiment], filter_string=f"tags.`mlflow.parentRunId` = '{runs[1]}'")
    assert resolve_run(child.info.run_id, EXPERIMENTS, tracking_uri=store) == runs[1]


def test_unknown_and_ambiguous_references_are_one_line_errors(store: str, runs: list[str]) -> None:
    with pytest.raises(TrackedRunNotFound, match=r"run 'feedface': no llmbench run in the MLflow store .* has this id"):
        resolve_run("feedface", EXPERIMENTS, tracking_uri=store)
    with pytest.raises(TrackedRunNotFound, match="give a run id"):
        resolve_run("  ", EXPERIMENTS, tracking_uri=store)


def test_an_ambiguous_prefix_asks_for_more_characters(store: str, runs: list[str]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("hist-compare").experiment_id  # type: ignore[union-attr]
    ids = runs + [client.create_run(experiment).info.run_id for _ in range(14)]
    # 17 ids over 16 hex digits: at least two share their first character.
    first = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    n = sum(i.startswith(first) for i in ids)
    with pytest.raises(TrackedRunNotFound, match=f"{n} runs start with it; give more characters"):
        resolve_run(first, EXPERIMENTS, tracking_uri=store)


def test_load_returns_the_whole_result(store: str, runs: list[str]) -> None:
    summary, result = load_run(runs[1], tracking_uri=store)
    assert summary.run_id == runs[1] and summary.experiment == "hist-bench"
    assert result.name == "second" and result.winner == "sim/a" and len(result.results) == 2


def test_a_run_without_its_result_says_so(store: str, runs: list[str]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("hist-bench").experiment_id  # type: ignore[union-attr]
    bare = client.create_run(experiment).info.run_id
    client.set_terminated(bare)
    with pytest.raises(TrackingError, match=r"comparison\.json cannot be read"):
        load_run(bare, tracking_uri=store)
    with pytest.raises(TrackedRunNotFound, match="not in the MLflow store"):
        load_run("0" * 32, tracking_uri=store)
