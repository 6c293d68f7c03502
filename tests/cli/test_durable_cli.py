"""Durable runs from the command line, the parts that need no Prefect server: ``--resume`` mistakes fail in one
line before anything starts, ``cache stats|clear|runs`` read and clear the store, and a bench failing its
preflight makes no call and leaves no MLflow run."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from llmbench.config import load_config
from llmbench.datasets import load_dataset
from llmbench.mock_server import MockServer
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.store import close_database, open_cache, open_run_store, run_spec
from llmbench.types import ModelResult
from tests.cli.test_mistakes import one_line_error
from tests.conftest import write_config

runner = CliRunner()
QA = "examples/datasets/qa_small.jsonl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def home(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The workspace, with a local-server port nothing listens on (so a test sees whether a server started)."""
    monkeypatch.setenv("LLMBENCH_PREFECT_PORT", str(_free_port()))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    yield workspace
    close_database(f"sqlite:///{workspace}/store.db")


def _nothing_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", int(os.environ["LLMBENCH_PREFECT_PORT"])))


def _seed_run(models: list[str], limit: int, stored: int) -> str:
    """A run of ``bench qa_small -m models --limit limit`` with ``stored`` results, as a killed run leaves it."""
    request = BenchmarkRequest(dataset=QA, models=models, limit=limit)
    settings = resolve_settings(request, load_config())
    dataset = load_dataset(QA)
    items = dataset.items[:limit]
    store = open_run_store()
    record = store.begin_run(run_spec(dataset.name, items, settings.models, settings.metrics))
    cache = open_cache()
    for item in items[:stored]:
        row = ModelResult(model=settings.models[0].identifier, item_id=item.id, success=True, response="ok")
        key = f"seeded-{item.id}"  # any digest: these rows are only counted and listed
        store.record_result(record.run_id, row, key)
        cache.put(key, settings.models[0].provider, row)
    store.flush()
    return record.run_id


def test_resume_of_an_unknown_run_fails_in_one_line_before_anything_starts(home: Path) -> None:
    result = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--resume", "nope-1"])
    one_line_error(result, "--resume 'nope-1'", "no such run", "cache runs")
    _nothing_listens()


def test_resume_of_another_benchmark_fails_in_one_line(home: Path) -> None:
    run_id = _seed_run(["sim:swift-s"], limit=3, stored=1)
    other_models = runner.invoke(app, ["bench", QA, "-m", "sim:oracle-xl", "--limit", "3", "--resume", run_id])
    one_line_error(other_models, f"--resume '{run_id}'", "another benchmark", "1 models, 3 items")
    other_items = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--limit", "4", "--resume", run_id])
    one_line_error(other_items, "another benchmark")
    _nothing_listens()


def test_resume_last_needs_an_unfinished_run_of_the_same_benchmark(home: Path) -> None:
    _seed_run(["sim:swift-s"], limit=3, stored=1)
    result = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--limit", "2", "--resume", "last"])
    one_line_error(result, "--resume", "no unfinished run of this benchmark")
    _nothing_listens()


def test_resume_of_a_complete_run_fails_instead_of_recording_it_twice(home: Path) -> None:
    run_id = _seed_run(["sim:swift-s"], limit=2, stored=2)
    assert str(open_run_store().finish_run(run_id)) == "complete"
    result = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--limit", "2", "--resume", run_id])
    one_line_error(result, f"--resume '{run_id}'", "already complete", "without --resume")
    _nothing_listens()
    assert not (home / "profiles.json").exists()


def test_resume_with_the_store_off_says_so(home: Path) -> None:
    write_config(home, "[store]\nenabled = false\n")
    result = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--resume", "last"])
    one_line_error(result, "--resume", "[store] enabled = false")


def test_cache_runs_lists_the_run_to_resume_with_its_progress(home: Path) -> None:
    run_id = _seed_run(["sim:swift-s"], limit=3, stored=2)
    shown = runner.invoke(app, ["cache", "runs"])
    assert shown.exit_code == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if line.startswith(run_id))
    assert "running" in line and "2/3" in line and "qa_small" in line
    rows = json.loads(runner.invoke(app, ["cache", "runs", "--json"]).stdout)
    assert [(r["run_id"], r["stored"], r["pairs"]) for r in rows] == [(run_id, 2, 3)]


def test_cache_stats_and_clear(home: Path) -> None:
    _seed_run(["sim:swift-s"], limit=3, stored=2)
    stats = json.loads(runner.invoke(app, ["cache", "stats", "--json"]).stdout)
    assert stats["entries"] == 2 and stats["size_bytes"] > 0
    text = runner.invoke(app, ["cache", "stats"]).stdout
    assert "entries          2" in text and "168 h" in text
    kept = runner.invoke(app, ["cache", "clear", "--model", "openai/gpt-4o"])
    assert kept.exit_code == 0 and "removed 0 cached answers" in kept.stdout
    one_line_error(runner.invoke(app, ["cache", "clear", "--model", "swift-s"]), "--model 'swift-s'", "provider/model")
    cleared = runner.invoke(app, ["cache", "clear", "--model", "sim/swift-s"])
    assert cleared.exit_code == 0 and "removed 2 cached answers" in cleared.stdout
    assert json.loads(runner.invoke(app, ["cache", "stats", "--json"]).stdout)["entries"] == 0
    # the run's stored results are not the cache: clearing it keeps what a resume needs
    assert json.loads(runner.invoke(app, ["cache", "runs", "--json"]).stdout)[0]["stored"] == 2


@pytest.mark.parametrize("profiles_path", ["{w}", "{w}/llmbench.toml/p.json"])
def test_an_unusable_profiles_path_fails_before_any_call_and_leaves_no_mlflow_run(
    home: Path, profiles_path: str
) -> None:
    with MockServer() as server:
        write_config(
            home,
            f'[orchestration]\nprofiles_path = "{profiles_path.format(w=home)}"\n'
            f'[models.mock]\nprovider = "openai"\nmodel = "gpt-mock-mini"\nbase_url = "{server.openai_base_url}"\n',
        )
        result = runner.invoke(app, ["bench", QA, "-m", "mock", "--limit", "2"])
        one_line_error(result, "profiles_path")
        assert len(server.requests) == 0
    _nothing_listens()
    assert not (home / "mlflow.db").exists()


@pytest.mark.parametrize(("output", "expected"), [(".", "is a directory"), ("missing/result.json", "does not exist")])
def test_an_unusable_output_file_fails_before_anything_starts(home: Path, output: str, expected: str) -> None:
    result = runner.invoke(app, ["bench", QA, "-m", "sim:swift-s", "--output", output])
    one_line_error(result, f"--output {output}", expected)
    _nothing_listens()
