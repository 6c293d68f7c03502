"""``runs list|show|diff`` and ``report`` through the command line, on a real MLflow store in a temporary home."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from llmbench.ranking import RankingEngine
from llmbench.tracking import log_comparison
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

runner = CliRunner()
PREFECT_URL = "http://127.0.0.1:4242/runs/flow-run/6a1c"


def _result(name: str, quality_b: float, answer: str = "Glucose and oxygen.") -> ComparisonResult:
    items = [DatasetItem(id="q0", prompt="What does photosynthesis produce?", reference="Glucose and oxygen.")]
    results = [
        ModelResult(
            model="sim/a",
            item_id="q0",
            success=True,
            response=answer,
            latency_ms=120.0,
            scores={"correctness": 0.9},
            simulated=True,
        ),
        ModelResult(
            model="sim/b",
            item_id="q0",
            success=True,
            response="Nitrogen.",
            latency_ms=60.0,
            scores={"correctness": quality_b},
            simulated=True,
        ),
    ]
    engine = RankingEngine()
    rankings = engine.rank(results)
    return ComparisonResult(
        name=name,
        models=["sim/a", "sim/b"],
        items=items,
        results=results,
        rankings=rankings,
        winner=rankings[0].model,
        recommendations=engine.recommend(rankings),
        metrics=["correctness"],
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """Two runs in the experiments the CLI reads, oldest first (recorded once: a store takes seconds to create)."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('history')}/mlflow.db"
    return uri, [
        log_comparison(_result("comparison", 0.1), experiment="llmbench-compare", tracking_uri=uri, started_at=1e9),
        log_comparison(
            _result("comparison", 0.95, answer="<script>alert(1)</script> Glucose."),
            experiment="llmbench-benchmark",
            tracking_uri=uri,
            tags={"prefect.flow_run_id": "6a1c", "prefect.flow_run_url": PREFECT_URL},
            started_at=2e9,
        ),
    ]


@pytest.fixture
def recorded(workspace: Path, store: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store[0])
    return store[1]


def _one_line_error(result: object) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]
    assert result.exit_code == 2 and len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    return lines[0]


def test_runs_list_shows_parents_newest_first(recorded: list[str]) -> None:
    result = runner.invoke(app, ["runs", "list", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == recorded[::-1]  # the 4 per-model runs are not listed
    assert runs[0]["prefect_url"] == PREFECT_URL and runs[0]["winner"] == "sim/b"
    table = runner.invoke(app, ["runs", "list", "--limit", "1"])
    assert table.exit_code == 0 and recorded[1][:8] in table.stdout and recorded[0][:8] not in table.stdout
    assert "“What does photosynthesis produce?” · 2 models · sim/b first" in table.stdout


def test_runs_list_on_a_fresh_home_says_there_is_nothing_yet(workspace: Path) -> None:
    result = runner.invoke(app, ["runs", "list"])
    assert result.exit_code == 0 and "no llmbench runs recorded yet" in result.stdout
    assert not (workspace / "mlflow.db").exists()  # listing never creates a store


def test_runs_show_by_prefix_and_latest(recorded: list[str]) -> None:
    shown = runner.invoke(app, ["runs", "show", recorded[0][:6]])
    assert shown.exit_code == 0, shown.output
    assert recorded[0] in shown.stdout and "llmbench-compare" in shown.stdout and "sim/a" in shown.stdout
    latest = runner.invoke(app, ["runs", "show", "latest", "--json"])
    payload = json.loads(latest.stdout)
    assert payload["run"]["run_id"] == recorded[1] and payload["result"]["winner"] == "sim/b"


def test_runs_diff_names_what_changed(recorded: list[str]) -> None:
    result = runner.invoke(app, ["runs", "diff", recorded[0], "latest", "--json"])
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)
    assert (diff["winner_a"], diff["winner_b"]) == ("sim/a", "sim/b")
    b = next(m for m in diff["models"] if m["model"] == "sim/b")
    assert (b["rank_a"], b["rank_b"]) == (2, 1)
    assert [(c["model"], c["item_id"]) for c in diff["item_changes"]] == [("sim/b", "q0")]
    table = runner.invoke(app, ["runs", "diff", recorded[0][:8], recorded[1][:8]])
    assert table.exit_code == 0 and "winner: sim/a → sim/b" in table.stdout and "2 → 1" in table.stdout


def test_report_prints_markdown_or_writes_html(recorded: list[str], workspace: Path) -> None:
    markdown = runner.invoke(app, ["report", recorded[0][:8]])
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# “What does photosynthesis produce?”")
    assert "## Answers" in markdown.stdout and "Nitrogen." in markdown.stdout
    page_path = workspace / "report.html"
    written = runner.invoke(app, ["report", "latest", "--html", str(page_path)])
    assert written.exit_code == 0, written.output
    assert f"wrote {page_path}" in written.stdout
    page = page_path.read_text()
    assert f'href="{PREFECT_URL}"' in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""src=["']?https?://""", page)


def test_report_open_writes_to_the_home(recorded: list[str], workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    result = runner.invoke(app, ["report", recorded[1][:8], "--open"])
    assert result.exit_code == 0, result.output
    assert opened == [(workspace / "reports" / f"{recorded[1]}.html").as_uri()]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "feedface"], "run 'feedface': no llmbench run in the MLflow store"),
        (["runs", "show", "feedface"], "run 'feedface': no llmbench run in the MLflow store"),
        (["runs", "diff", "latest", "feedface"], "run 'feedface'"),
        (["runs", "show", " "], "RUN: give a run id, a unique prefix of one, or 'latest'"),
        (["runs", "list", "--limit", "0"], "--limit 0: allowed: 1–1000"),
        (["report", "latest", "--html", "/no/such/dir/r.html"], "--html /no/such/dir/r.html: directory"),
    ],
)
def test_mistakes_are_one_line_with_exit_code_2(recorded: list[str], args: list[str], expected: str) -> None:
    assert expected in _one_line_error(runner.invoke(app, args))


def test_an_unknown_run_on_a_fresh_home_says_nothing_is_recorded(workspace: Path) -> None:
    line = _one_line_error(runner.invoke(app, ["report", "latest"]))
    assert "no llmbench run recorded yet in the MLflow store" in line and str(workspace) in line
