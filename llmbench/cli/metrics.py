"""``metrics``: every metric a run can use, what it needs, what it weighs in quality and what it costs.

Offline metrics come from the registry (their cost is measured here, in µs per answer); judge metrics and the
configured rubrics from ``[evaluation]`` (their cost is judge calls per answer, repeats included). Metrics a run
uses when ``--metrics`` is left out are marked, for this config: with ``[evaluation] judge`` set, the judge
metrics join the defaults.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer
from pydantic import BaseModel, Field

from llmbench.cli._shared import ConfigOption, JsonOption, out, prepare_environment, user_errors

if TYPE_CHECKING:
    from llmbench.config import LLMBenchConfig

__all__ = ["MetricRow", "metric_rows", "register"]

ORDER = 30


class MetricRow(BaseModel):
    """One line of ``llmbench metrics`` (and one object of its ``--json``)."""

    name: str
    kind: str = Field(description="offline or judge")
    family: str = Field(description="correctness, grounding, format or other")
    needs: list[str] = Field(description="What an item (or the run) must carry for the metric to apply")
    uses: list[str] = Field(description="What the metric uses when present")
    quality_weight: float = Field(description="Weight in an item's quality (renormalised over the metrics scored)")
    default: bool = Field(description="Used when --metrics is left out, with this config")
    offline_us_per_answer: float | None = Field(description="Measured µs per answer; None for judge metrics")
    judge_calls_per_answer: int = Field(description="Judge calls per answer, repeats included; 0 offline")
    available: bool = Field(description="False when an optional dependency is missing")
    summary: str

    def cost_text(self) -> str:
        if self.kind == "judge":
            calls = self.judge_calls_per_answer
            return f"{calls} judge call{'s' if calls != 1 else ''}/answer"
        if self.offline_us_per_answer is None:
            return "free" if self.available else "needs an extra"
        return f"free, ~{self.offline_us_per_answer / 1000:.2f} ms/answer"


def metric_rows(config: LLMBenchConfig, *, measure: bool = True) -> list[MetricRow]:
    """Offline metrics (sorted by name), then the judge metrics and the configured rubrics."""
    from llmbench.evaluators import metric_catalog
    from llmbench.evaluators.judge import JUDGE_METRIC_CLASSES, default_metrics, judge_metric_catalog
    from llmbench.evaluators.quality import quality_weight

    evaluation = config.evaluation
    defaults = set(default_metrics(evaluation, has_judge=bool(evaluation.judge)))
    rows = [
        MetricRow(
            name=info.name,
            kind="offline",
            family=info.family,
            needs=info.needs,
            uses=info.uses,
            quality_weight=info.quality_weight,
            default=info.name in defaults,
            offline_us_per_answer=info.offline_us_per_answer,
            judge_calls_per_answer=0,
            available=info.available,
            summary=info.summary,
        )
        for info in metric_catalog(measure=measure)
    ]
    for judged in judge_metric_catalog(evaluation):
        cls = JUDGE_METRIC_CLASSES.get(judged.name)
        rows.append(
            MetricRow(
                name=judged.name,
                kind="judge",
                family=cls.family if cls is not None else "other",
                needs=list(judged.needs),
                uses=list(cls.uses) if cls is not None else [],
                quality_weight=quality_weight(judged.name),
                default=judged.name in defaults,
                offline_us_per_answer=None,
                judge_calls_per_answer=judged.calls_per_answer,
                available=True,
                summary=judged.description,
            )
        )
    return rows


def list_metrics(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """List every metric: what it needs, its weight in quality, what it costs, and which are on by default."""
    prepare_environment(config)
    with user_errors():
        from llmbench.config import load_config

        cfg = load_config()
        rows = metric_rows(cfg)
    if json_output:
        import json

        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    judge = cfg.evaluation.judge
    table = Table(
        title="Metrics",
        caption=escape(
            "default = used when --metrics is left out; "
            + (f"judge: {judge} ([evaluation] judge)" if judge else "judge metrics need --judge or [evaluation] judge")
            + "; a metric that cannot run on an item is n/a there and quality renormalises over the rest"
        ),
    )
    for column, justify in [
        ("metric", "left"),
        ("default", "center"),
        ("family", "left"),
        ("needs", "left"),
        ("weight", "right"),
        ("cost", "left"),
        ("what it scores", "left"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            escape(r.name),
            "✓" if r.default else "",
            r.family,
            escape(", ".join(r.needs) or "—"),
            f"{r.quality_weight:g}",
            r.cost_text(),
            escape(r.summary),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("metrics", rich_help_panel="Runs")(list_metrics)
