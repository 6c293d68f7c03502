"""What an MLflow run of a comparison holds, decided apart from how it is written (no MLflow import here).

A comparison is a parent run with one child run per model. Every child carries the SAME metric names
(``quality``, ``overall_score``, ``latency_p50_ms``, ``cost_per_item_usd``, each evaluator, the interval bounds,
``rank_group``, ``p_best`` …), so MLflow's chart and compare views put the models side by side; the parent holds
what belongs to the run (counts, spend, duration, statistics switch) and the artifacts. Per-model metrics are no
longer repeated on the parent under prefixed names (``sim_oracle-xl.quality``): they made one single-bar chart
per model and figure, and the children answer every question they did, across runs too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from pydantic import BaseModel, Field

from llmbench.pricing import spend_summary
from llmbench.report.format import cost_text, group_text, interval_text, md_cell, ms, n_items, num
from llmbench.report.summary import outcome_lines, run_title
from llmbench.tracking.keys import metric_key
from llmbench.tracking.statistics import model_statistics_values, run_statistics_values, statistics_tag
from llmbench.types import ComparisonResult, ModelRanking

__all__ = ["KIND_TAG", "ModelRecord", "RunRecord", "model_records", "model_views", "run_note", "run_record"]

KIND_TAG = "llmbench.kind"
PREFECT_URL_TAG = "prefect.flow_run_url"
PREFECT_ID_TAG = "prefect.flow_run_id"
_NOTE_LIMIT = 4000
_NOTE_MODELS = 20

Values = dict[str, float | int | None]


class ModelRecord(BaseModel):
    """One model's child run: named after the model, with the metric names every other child uses."""

    model: str
    name: str
    metrics: Values
    params: dict[str, str]
    tags: dict[str, str]


class RunRecord(BaseModel):
    """The parent run, without its note (which names the run id, known only once the run exists)."""

    name: str
    metrics: Values
    params: dict[str, object]
    tags: dict[str, str]
    models: list[ModelRecord] = Field(default_factory=list)


def _model_values(result: ComparisonResult, r: ModelRanking) -> Values:
    rows = [x for x in result.results if x.model == r.model]
    values: Values = {
        "rank": r.rank,
        "success_rate": r.success_rate,
        "n_items": r.n_items,
        "n_failed": r.n_failed,
        "n_truncated": sum(x.truncated for x in rows),
        "n_cached": sum(x.cached for x in rows),
        "overall_score": r.overall_score,
        "performance": r.component_scores.performance,
        "cost_efficiency": r.component_scores.cost_efficiency,
    }
    if r.success_rate > 0:  # with no success, quality and latency are unknown, not 0
        values |= {"quality": r.component_scores.quality, "latency_p50_ms": r.latency_ms}
        values |= {"latency_p95_ms": r.latency_p95_ms}
        values |= {metric_key(name): score for name, score in r.metrics.items()}
    if r.cost_usd is not None:
        values |= {"cost_per_item_usd": r.cost_usd, "cost_total_usd": sum(x.cost_usd or 0.0 for x in rows)}
    stats = result.statistics
    if stats is not None and stats.enabled:
        for m in stats.models:
            if m.model == r.model:
                values |= model_statistics_values(m)
    return values


def _model_note(result: ComparisonResult, r: ModelRanking) -> str:
    interval = f" {interval_text(r.quality_interval)}" if r.quality_interval else ""
    lines = [
        f"**{r.model}**: rank {r.rank} of {len(result.rankings)}"
        + (f" (group {r.rank_group})" if r.rank_group is not None else ""),
        "",
        f"- quality {r.component_scores.quality:.3f}{interval}; overall "
        + ("not ranked" if r.overall_score is None else f"{r.overall_score:.3f}"),
        f"- median latency {'—' if r.latency_ms is None else f'{r.latency_ms:.0f} ms'}; cost per item {cost_text(r)}",
        f"- success {r.success_rate:.0%} ({r.n_items - r.n_failed} of {r.n_items} calls)",
    ]
    if r.strengths or r.weaknesses:
        lines.append(f"- strengths: {', '.join(r.strengths) or '—'}; weaknesses: {', '.join(r.weaknesses) or '—'}")
    return "\n".join(lines)


def model_records(result: ComparisonResult) -> list[ModelRecord]:
    """One child run per ranked model, in rank order."""
    records = []
    for r in sorted(result.rankings, key=lambda x: x.rank):
        simulated = any(x.simulated for x in result.results if x.model == r.model)
        price = "known" if r.cost_usd is not None else ("unknown" if not r.price_known else "unmeasured")
        provider = r.model.split("/", 1)[0] if "/" in r.model else ""
        records.append(
            ModelRecord(
                model=r.model,
                name=r.model,
                metrics=_model_values(result, r),
                params={"model": r.model, "provider": provider},
                tags={
                    KIND_TAG: "model",
                    "llmbench.model": r.model,
                    "llmbench.simulated": str(simulated).lower(),
                    "llmbench.price": price,
                    "mlflow.note.content": _model_note(result, r),
                },
            )
        )
    return records


def _run_values(result: ComparisonResult) -> Values:
    values: Values = {
        "n_models": len(result.models),
        "n_items": n_items(result),
        "n_failed_calls": sum(not r.success for r in result.results),
        "n_truncated": sum(r.truncated for r in result.results),
        "duration_ms": result.duration_ms,
    }
    spend = spend_summary(result.results)
    if spend.n_cached:  # cached answers were not paid again: their original cost is a separate line
        values |= {"n_cached": spend.n_cached, "cost_cached_usd": spend.cached_usd}
    values["cost_spent_usd"] = spend.spent_usd
    if result.analysis is not None:
        values["mean_agreement"] = result.analysis.mean_agreement
    return values | _judge_values(result) | run_statistics_values(result)


def _judge_values(result: ComparisonResult) -> Values:
    """The judge's budget line, apart from ``cost_spent_usd`` (the models'); an unknown price is left out."""
    if result.judge_usage is None:
        return {}
    t = result.judge_usage.total
    return {
        "judge_evaluations": t.evaluations,
        "judge_failed_evaluations": t.failed_evaluations,
        "judge_calls": t.calls,
        "judge_failed_calls": t.failed_calls,
        "judge_unparseable": t.unparseable,
        "judge_parse_failure_rate": t.parse_failure_rate,
        "judge_input_tokens": t.input_tokens,
        "judge_output_tokens": t.output_tokens,
        "judge_tokens": t.input_tokens + t.output_tokens,
        "judge_cost_usd": t.cost_usd,
    }


def run_record(
    result: ComparisonResult,
    *,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    run_name: str | None = None,
) -> RunRecord:
    """The parent run and its children; ``params`` and ``tags`` (the Prefect flow run's) are added as given."""
    w = result.weights
    all_params: dict[str, object] = {
        "name": result.name,
        "comparison_id": result.comparison_id,
        "models": ",".join(result.models),
        "weights": f"quality={w.quality:g},performance={w.performance:g},cost={w.cost:g}",
        "metrics": ",".join(result.metrics),
        "n_items": n_items(result),
        **(params or {}),
    }
    all_tags = {
        KIND_TAG: "comparison",
        "llmbench.winner": result.winner or "none",
        "llmbench.complete": str(result.complete).lower(),
        "llmbench.simulated": str(any(r.simulated for r in result.results)).lower(),
        "llmbench.comparison_id": result.comparison_id,
        "llmbench.statistics": statistics_tag(result),
        **({"llmbench.run_id": result.run_id} if result.run_id else {}),
        **({"llmbench.incomplete_models": ",".join(result.incomplete_models)} if result.incomplete_models else {}),
        **(tags or {}),
    }
    return RunRecord(
        name=run_name or run_title(result),
        metrics=_run_values(result),
        params=all_params,
        tags=all_tags,
        models=model_records(result),
    )


def _note_table(result: ComparisonResult) -> list[str]:
    lines = ["| # | model | quality | overall | p50 ms | cost/item | success |", "|---|---|---:|---:|---:|---:|---:|"]
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    for r in rankings[:_NOTE_MODELS]:
        interval = f" {interval_text(r.quality_interval, 2)}" if r.quality_interval else ""
        lines.append(
            f"| {group_text(r, rankings)} | {md_cell(r.model)} | {r.component_scores.quality:.3f}{interval} "
            f"| {num(r.overall_score)} | {ms(r.latency_ms)} | {cost_text(r)} "
            f"| {r.success_rate:.0%} ({r.n_items - r.n_failed}/{r.n_items}) |"
        )
    if len(rankings) > _NOTE_MODELS:
        lines.append(f"| … | {len(rankings) - _NOTE_MODELS} more in the child runs | | | | | |")
    return lines


def model_views(experiment_id: str, run_id: str, children: Sequence[str]) -> str:
    """Links to the views that put this run's models side by side. Relative (``#/…``), so they work on whichever
    MLflow UI serves the store, with no address known when the run is recorded."""
    only_models = quote(f"tags.`mlflow.parentRunId` = '{run_id}'")
    charts = f"#/experiments/{experiment_id}/runs?searchFilter={only_models}&compareRunsMode=CHART"
    runs, experiments = quote(json.dumps(list(children))), quote(json.dumps([experiment_id]))
    compare = f"#/compare-runs?runs={runs}&experiments={experiments}"
    return f"Models side by side: [charts]({charts}) (expand the run with ⊞) · [compare view]({compare})"


def run_note(
    result: ComparisonResult,
    run_id: str,
    tags: Mapping[str, str],
    experiment_id: str | None = None,
    children: Sequence[str] = (),
) -> str:
    """The run's description in MLflow (Markdown): the outcome, links to the models side by side and to the
    Prefect flow run, and how to get the report."""
    body = [f"**{outcome_lines(result)[1]}**", "", *_note_table(result)]
    if experiment_id is not None and children:
        body += ["", model_views(experiment_id, run_id, children)]
    if result.analysis is not None:
        body += ["", result.analysis.summary]
    url, flow_run = tags.get(PREFECT_URL_TAG), tags.get(PREFECT_ID_TAG)
    if url:
        body += ["", f"Prefect flow run: [{tags.get('prefect.flow_run_name') or flow_run or url}]({url})"]
    elif flow_run:
        body += ["", f"Prefect flow run: `{flow_run}` (a temporary Prefect server: no UI link)"]
    body += [
        "",
        f"HTML report: `llmbench report {run_id} --html report.html`",
    ]
    text = "\n".join(body)
    return text if len(text) <= _NOTE_LIMIT else text[: _NOTE_LIMIT - 1] + "…"
