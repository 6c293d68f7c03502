"""The CLI's tables tell an unknown price from a known price that was never measured, as the report does."""

from __future__ import annotations

import asyncio

from rich.console import Console

from llmbench.comparison import ComparisonEngine
from llmbench.console import ranking_table
from llmbench.types import ComparisonConfig, ModelConfig, Price, SimSpec


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
