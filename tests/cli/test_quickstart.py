"""``llmbench quickstart`` (what ``make run`` runs): the simulated models benchmarked offline, with statistics."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from llmbench.providers.sim import SIM_CATALOGUE

runner = CliRunner()


@pytest.mark.usefixtures("prefect_harness")
def test_quickstart_benchmarks_every_simulated_model_with_intervals_and_records(workspace: Path) -> None:
    result = runner.invoke(app, ["quickstart"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    shown = result.stdout
    assert "qa_small: 6 models × 12 item(s) (SIMULATED models)" in shown
    assert all(f"sim/{name}" in shown for name in SIM_CATALOGUE)
    assert "95% intervals; # is the rank group" in shown  # 12 items: statistics are on
    assert "MLflow run" in shown and "Prefect run" in shown
    assert "SIMULATED" in result.stderr  # the banner says what runs before anything starts
    assert (workspace / "profiles.json").is_file()  # the router learned from the complete run


def test_quickstart_with_a_bad_config_is_one_line(workspace: Path) -> None:
    (workspace / "llmbench.toml").write_text("[orchestration]\nconcurrency_limit = 0\n")
    result = runner.invoke(app, ["quickstart"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "concurrency_limit" in result.stderr
