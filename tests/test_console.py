"""The CLI's tables tell an unknown price from a known price that was never measured, as the report does."""

from __future__ import annotations

import asyncio

from rich.console import Console

from llmbench.comparison import ComparisonEngine
from llmbench.console import print_links, ranking_table, simulated_note
from llmbench.types import ComparisonConfig, ComparisonResult, ModelConfig, ModelResult, Price, RunLinks, SimSpec


def test_cost_cells_distinguish_unknown_price_from_unmeasured_cost() -> None:
    broken = ModelConfig(
        provider="sim",
        model="broken",
        price=Price(input_per_mtok=1, output_per_mtok=2),
        simulation=SimSpec(failure_rate=1.0, latency_ms=1),
    )
    models = [ModelConfig(provider="sim", model="mystery-x"), broken]
    result = asyncio.run(ComparisonEngine(ComparisonConfig(models=models)).compare("What is TCP?"))
    console = Console(record=True, width=200)
    console.print(ranking_table(result))
    rows = {line.split("│")[2].strip(): line for line in console.export_text().splitlines() if "sim/" in line}
    assert "price unknown" in rows["sim/mystery-x"]
    assert "price unknown" not in rows["sim/broken"] and "—" in rows["sim/broken"]


def _row(model: str, simulated: bool) -> ModelResult:
    return ModelResult(model=model, item_id="q", success=True, response="ok", simulated=simulated)


def test_the_title_says_simulated_only_of_the_simulated_models() -> None:
    all_sim = ComparisonResult(models=["sim/a", "sim/b"], results=[_row("sim/a", True), _row("sim/b", True)])
    mixed = ComparisonResult(models=["sim/a", "openai/gpt"], results=[_row("sim/a", True), _row("openai/gpt", False)])
    real = ComparisonResult(models=["openai/gpt"], results=[_row("openai/gpt", False)])
    assert "(SIMULATED models)" in simulated_note(all_sim)
    assert "SIMULATED" not in simulated_note(mixed) and "simulated: sim/a" in simulated_note(mixed)
    assert simulated_note(real) == ""


def test_links_name_the_mlflow_run_and_the_prefect_flow_run() -> None:
    console = Console(record=True, width=300)
    links = RunLinks(
        mlflow_run_id="abc123",
        mlflow_tracking_uri="sqlite:////tmp/x/mlflow.db",
        mlflow_ui_command="mlflow ui --backend-store-uri sqlite:////tmp/x/mlflow.db --port 5000 --workers 1",
        prefect_flow_run_url="http://127.0.0.1:4200/runs/flow-run/f1",
    )
    print_links(console, links)
    text = console.export_text()
    assert "MLflow run   abc123" in text and "mlflow ui --backend-store-uri sqlite:////tmp/x/mlflow.db" in text
    assert "Prefect run  http://127.0.0.1:4200/runs/flow-run/f1" in text
