"""The package exports what it claims, and the layers point one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import llmbench

REPO = Path(__file__).resolve().parent.parent


def test_every_exported_name_exists() -> None:
    missing = [name for name in llmbench.__all__ if not hasattr(llmbench, name)]
    assert missing == []
    assert len(set(llmbench.__all__)) == len(llmbench.__all__)


def test_seed_field_names_are_kept_in_the_json() -> None:
    fields = set(llmbench.ComparisonResult.model_fields)
    assert {"rankings", "winner"} <= fields
    assert {"rank", "overall_score", "component_scores", "strengths", "weaknesses"} <= set(
        llmbench.ModelRanking.model_fields
    )
    assert {"quality", "performance", "cost_efficiency"} == set(llmbench.ComponentScores.model_fields)
    assert {"best_overall", "best_for_quality", "best_for_speed", "best_for_cost"} <= set(
        llmbench.Recommendation.model_fields
    )
    assert llmbench.ModelConfig(provider="openai", model="gpt-4o").identifier == "openai/gpt-4o"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_prefect_and_only_tracking_imports_mlflow() -> None:
    for path in (REPO / "llmbench").rglob("*.py"):
        imported = _imports(path)
        assert "prefect" not in imported, path
        if "cli" not in path.parts:  # the command line sits on top of the flows and imports them lazily
            assert {"flows", "tasks"}.isdisjoint(imported), path
        if "tracking" not in path.parts:
            assert "mlflow" not in imported, path
    for path in (REPO / "tasks").rglob("*.py"):
        assert "flows" not in _imports(path), path


def test_importing_the_core_does_not_load_prefect_or_mlflow() -> None:
    code = "import sys, llmbench; print('prefect' in sys.modules, 'mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
