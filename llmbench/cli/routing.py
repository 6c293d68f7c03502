"""``route`` and ``profiles show|reset|export|import``: thin wrappers over :mod:`llmbench.router`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, guarded, out, parse_options, split
from llmbench.errors import ConfigError

if TYPE_CHECKING:
    from llmbench.config import LLMBenchConfig
    from llmbench.router import ModelRouter, ProfileStore, RoutingStrategy

__all__ = ["profiles_app", "register"]

ORDER = 30
PANEL = "Models and routing"

profiles_app = typer.Typer(no_args_is_help=True, help="Show, reset, import or export router profiles.")

CONSTRAINT_FLAGS = {
    "max_cost_usd": "--max-cost",
    "max_latency_ms": "--max-latency-ms",
    "min_quality": "--min-quality",
    "min_context_tokens": "--min-context",
}


def _fmt(value: float | None, pattern: str, unknown: str = "unknown") -> str:
    return unknown if value is None else pattern.format(value)


def _config(path: Path | None) -> LLMBenchConfig:
    from llmbench.config import load_config

    return load_config(path)


def _store(config: LLMBenchConfig) -> ProfileStore:
    from llmbench.router import open_store

    return open_store(config.profiles_location())


def _strategy(config: LLMBenchConfig, strategy: str | None) -> RoutingStrategy:
    from llmbench.router import RoutingStrategy

    try:
        return RoutingStrategy(strategy or config.orchestration.routing_strategy.value)
    except ValueError:
        raise ConfigError(
            f"--strategy {strategy!r}: choose one of {' | '.join(s.value for s in RoutingStrategy)}"
        ) from None


def _router(config: LLMBenchConfig, strategy: RoutingStrategy) -> ModelRouter:
    from llmbench.router import ModelRouter, RoutingWeights, UnprofiledPolicy

    r = config.router
    return ModelRouter(
        _store(config),
        strategy=strategy,
        weights=RoutingWeights(quality=r.quality_weight, speed=r.speed_weight, cost=r.cost_weight),
        unprofiled=UnprofiledPolicy(r.unprofiled),
        min_task_samples=r.min_task_samples,
    )


def route(
    prompt: Annotated[str, typer.Argument(help="The prompt to route")],
    strategy: Annotated[str | None, typer.Option(help="quality | cost_optimized | latency | balanced")] = None,
    max_cost: Annotated[float | None, typer.Option(help="Max estimated USD per request (≥ 0)")] = None,
    max_latency_ms: Annotated[float | None, typer.Option(help="Max p95 latency in ms (> 0)")] = None,
    min_quality: Annotated[float | None, typer.Option(help="Min quality, 0–1 (lower end of its interval)")] = None,
    min_context: Annotated[int | None, typer.Option(help="Min context window in tokens (≥ 1)")] = None,
    models: Annotated[str | None, typer.Option(help="Comma list of candidates (default: all profiled)")] = None,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Pick the model for a prompt from learned profiles (simulated models' declared ones on a fresh install)."""
    from llmbench.preflight import resolve_models
    from llmbench.router import ModelConstraints

    if not prompt.strip():
        raise ConfigError("PROMPT must not be empty")
    constraints = parse_options(
        ModelConstraints,
        CONSTRAINT_FLAGS,
        max_cost_usd=max_cost,
        max_latency_ms=max_latency_ms,
        min_quality=min_quality,
        min_context_tokens=min_context,
    )
    cfg = _config(config)
    chosen = _strategy(cfg, strategy)
    candidates = None
    if models is not None:
        candidates = [m.identifier for m in resolve_models(split(models), cfg, check_keys=False)]
        if not candidates:
            raise ConfigError("--models is empty: name at least one candidate, or leave it out for all profiled")
    selection = _router(cfg, chosen).select_model(prompt, candidates, constraints)
    if json_output:
        sys.stdout.write(selection.model_dump_json(indent=2) + "\n")
        return
    low_high = selection.quality_interval
    interval = f" (90% interval {low_high[0]:.2f}–{low_high[1]:.2f})" if low_high else ""
    out.print(
        f"[bold]{selection.model}[/bold]  for a [cyan]{selection.task_type.value}[/cyan] prompt "
        f"({selection.task_type_source}), strategy {selection.strategy.value}"
    )
    out.print(f"  expected quality {_fmt(selection.expected_quality, '{:.2f}')}{interval}", highlight=False)
    p50 = _fmt(selection.expected_latency_ms, "{:.0f} ms")
    out.print(f"  latency p50 {p50}, p95 {_fmt(selection.latency_p95_ms, '{:.0f} ms')}", highlight=False)
    out.print(
        f"  estimated cost {_fmt(selection.estimated_cost_usd, '${:.6f}', 'price unknown')} for "
        f"~{selection.estimated_input_tokens} input + ~{selection.estimated_output_tokens} output tokens",
        highlight=False,
    )
    out.print(f"  why: {selection.reasoning}", highlight=False)
    for note in selection.notes:
        out.print(f"  [yellow]note:[/yellow] {note}", highlight=False)
    if selection.alternatives:
        out.print("[bold]Alternatives[/bold]")
        for alt in selection.alternatives:
            out.print(f"  {alt.model}: {alt.reason}", highlight=False)


@profiles_app.command("show")
@guarded
def show(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """Profiles the router reads: learned ones, and the simulated models' declared ones."""
    from rich.table import Table

    from llmbench.router import load_profiles

    cfg = _config(config)
    profiles = load_profiles(_store(cfg))
    if json_output:
        data = {name: p.model_dump(mode="json") for name, p in sorted(profiles.items())}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(title=f"Router profiles ({cfg.profiles_location()})")
    for column in ("model", "source", "quality", "p50 ms", "p95 ms", "$ / 1k tok", "samples", "strengths"):
        table.add_column(column)
    for name, p in sorted(profiles.items()):
        o = p.overall
        table.add_row(
            name,
            str(getattr(p, "source", "")),
            _fmt(o.quality_mean, "{:.3f}"),
            _fmt(o.latency_p50_ms, "{:.0f}"),
            _fmt(o.latency_p95_ms, "{:.0f}"),
            _fmt(o.cost_per_1k_tokens, "{:.5f}"),
            str(o.sample_count),
            ", ".join(t.value for t in p.strengths),
        )
    out.print(table)


def _identifier(ref: str, config: LLMBenchConfig) -> str:
    """``provider/model`` for a stored name, a ``provider:model`` reference or a ``[models.<name>]`` entry."""
    if "/" in ref and ":" not in ref:
        return ref
    return config.resolve_model(ref).identifier


@profiles_app.command("reset")
@guarded
def reset(
    models: Annotated[
        str | None,
        typer.Option(help="Comma list of models (sim:swift-s, sim/swift-s or a [models] name); default: all"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Forget learned profiles (all, or the models given)."""
    cfg = _config(config)
    store = _store(cfg)
    if models is None:
        out.print(f"reset {store.reset(None)} profile(s)")
        return
    names = [_identifier(ref, cfg) for ref in split(models)]
    if not names:
        raise ConfigError("--models is empty: name the models to reset, or leave it out to reset all")
    stored = store.load()
    missing = [n for n in names if n not in stored]
    if len(missing) == len(names):
        from llmbench.preflight import did_you_mean

        known = ", ".join(sorted(stored)) or "none"
        raise ConfigError(
            f"--models: no learned profile of {', '.join(missing)}{did_you_mean(missing[0], stored)} "
            f"(learned profiles: {known})"
        )
    count = store.reset([n for n in names if n in stored])
    skipped = f"; no learned profile of {', '.join(missing)}" if missing else ""
    out.print(f"reset {count} profile(s){skipped}", highlight=False)


@profiles_app.command("export")
@guarded
def export(
    path: Annotated[Path, typer.Argument(help="JSON file to write")],
    config: ConfigOption = None,
) -> None:
    """Write learned profiles to a JSON file."""
    from llmbench.router import export_profiles

    count = export_profiles(_store(_config(config)), path)
    out.print(f"exported {count} profile(s) to {path}")


@profiles_app.command("import")
@guarded
def import_(
    path: Annotated[Path, typer.Argument(help="JSON file to read (llmbench's format or the seed's)")],
    replace: Annotated[
        bool, typer.Option("--replace", metavar="", help="Replace all profiles instead of merging")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Load profiles from a JSON file into the store (the file is checked whole before the store is touched)."""
    from llmbench.router import import_profiles

    count = import_profiles(_store(_config(config)), path, merge=not replace)
    out.print(f"imported {count} profile(s) from {path}")


def register(app: typer.Typer) -> None:
    app.command("route", rich_help_panel=PANEL)(guarded(route))
    app.add_typer(profiles_app, name="profiles", rich_help_panel=PANEL)
