"""The command line as a user meets it: output, JSON, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from tests.conftest import write_config

runner = CliRunner()


def test_models_lists_simulated_and_configured(workspace: Path) -> None:
    write_config(
        workspace, '[models.gpt]\nprovider = "openai"\nmodel = "gpt-4o-mini"\napi_key_env = "OPENAI_API_KEY"\n'
    )
    result = runner.invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["reference"]: row for row in json.loads(result.stdout)}
    assert rows["sim:oracle-xl"]["simulated"] is True
    assert rows["sim:mystery-x"]["price"] is None
    assert rows["gpt"]["provider"] == "openai" and rows["gpt"]["api_key_env"] == "OPENAI_API_KEY"
    table = runner.invoke(app, ["models"])
    assert "price unknown" in table.stdout and "sim:swift-s" in table.stdout


def test_bad_config_is_one_line_and_exit_code_2(workspace: Path) -> None:
    write_config(workspace, "[orchestration]\nmax_parallel_models = 99\n")
    result = runner.invoke(app, ["compare", "--models", "sim:swift-s", "--prompt", "hi"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "max_parallel_models" in lines[0] and "1–20" in lines[0]


def test_unknown_model_reference_fails_before_anything_runs(workspace: Path) -> None:
    result = runner.invoke(app, ["compare", "--models", "gpt4", "--prompt", "hi"])
    assert result.exit_code == 2 and "unknown model 'gpt4'" in result.stderr


def test_unknown_metric_fails_before_anything_runs(workspace: Path) -> None:
    result = runner.invoke(app, ["compare", "--models", "sim:swift-s", "--prompt", "hi", "--metrics", "bluu"])
    assert result.exit_code == 2 and "bluu" in result.stderr and "faithfulness" in result.stderr


def test_bench_names_the_bad_dataset_line(workspace: Path) -> None:
    bad = workspace / "bad.jsonl"
    bad.write_text('{"id": "a", "prompt": "ok"}\n{"id": "b", "promt": "typo"}\n')
    result = runner.invoke(app, ["bench", str(bad), "--models", "sim:swift-s"])
    assert result.exit_code == 2 and "bad.jsonl:2" in result.stderr


def test_route_on_a_fresh_install_uses_declared_sim_profiles(workspace: Path) -> None:
    result = runner.invoke(app, ["route", "Write a function to sort an array", "--json"])
    assert result.exit_code == 0, result.output
    selection = json.loads(result.stdout)
    assert selection["task_type"] == "coding" and selection["model"].startswith("sim/")
    assert selection["profile_source"] == "declared"
    text = runner.invoke(app, ["route", "Write a function to sort an array", "--max-latency-ms", "2000"])
    assert "declared" in text.stdout and "Alternatives" in text.stdout


def test_route_with_impossible_constraint_names_it(workspace: Path) -> None:
    result = runner.invoke(app, ["route", "Summarize this article", "--min-quality", "0.999"])
    assert result.exit_code == 2 and "min_quality" in result.stderr


def test_profiles_export_reset_import(workspace: Path) -> None:
    from llmbench.router import JsonProfileStore, ModelProfile

    JsonProfileStore(workspace / "profiles.json").replace_all(
        {"openai/gpt": ModelProfile(model="openai/gpt", quality_score=0.8, avg_latency_ms=900, sample_count=3)},
        merge=False,
    )
    exported = workspace / "backup.json"
    assert runner.invoke(app, ["profiles", "export", str(exported)]).exit_code == 0
    assert runner.invoke(app, ["profiles", "reset"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["profiles", "show", "--json"]).stdout)
    assert "openai/gpt" not in shown and "sim/oracle-xl" in shown
    assert runner.invoke(app, ["profiles", "import", str(exported)]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["profiles", "show", "--json"]).stdout)
    assert shown["openai/gpt"]["quality_score"] == pytest.approx(0.8)


@pytest.mark.usefixtures("prefect_harness")
def test_compare_json_prints_the_full_result(workspace: Path) -> None:
    result = runner.invoke(
        app, ["compare", "--models", "sim:swift-s,sim:balanced-m", "--prompt", "What is TCP?", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["winner"] in {"sim/swift-s", "sim/balanced-m"}
    assert [r["rank"] for r in data["rankings"]] == [1, 2]
    assert {"best_overall", "best_for_quality", "best_for_speed", "best_for_cost"} <= set(data["recommendations"])
    links = data["links"]  # where the run went, to find it again
    assert links["mlflow_run_id"] and links["prefect_flow_run_id"]
    assert links["mlflow_tracking_uri"] == f"sqlite:///{workspace}/mlflow.db"
    assert links["mlflow_run_url"] or links["mlflow_ui_command"].startswith("mlflow ui --backend-store-uri")
