"""The ``route`` and ``profiles`` commands: thin wrappers over :mod:`llmbench.router`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from llmbench.config import LLMBenchConfig, load_config
from llmbench.errors import ConfigError

if TYPE_CHECKING:
    from llmbench.router import ModelRouter

__all__ = ["profiles_app", "route"]

profiles_app = typer.Typer(no_args_is_help=True, help="Show, reset, import or export router profiles.")
out = Console(width=None if sys.stdout.isatty() else 160)


def _fmt(value: float | None, pattern: str, unknown: str = "unknown") -> str:
    return unknown if value is None else pattern.format(value)


def _router(config: LLMBenchConfig, strategy: str | None) -> ModelRouter:
    from llmbench.router import ModelRouter, RoutingStrategy, RoutingWeights, UnprofiledPolicy, open_store

    r = config.router
    try:
        chosen = RoutingStrategy(strategy or config.orchestration.routing_strategy.value)
    except ValueError:
        raise ConfigError(
            f"--strategy {strategy!r}: choose one of {', '.join(s.value for s in RoutingStrategy)}"
        ) from None
    return ModelRouter(
        open_store(config.profiles_location()),
        strategy=chosen,
        weights=RoutingWeights(quality=r.quality_weight, speed=r.speed_weight, cost=r.cost_weight),
        unprofiled=UnprofiledPolicy(r.unprofiled),
        min_task_samples=r.min_task_samples,
    )


def route(
    prompt: Annotated[str, typer.Argument(help="The prompt to route")],
    strategy: Annotated[str | None, typer.Option(help="quality | cost_optimized | latency | balanced")] = None,
    max_cost: Annotated[float | None, typer.Option(help="Max estimated USD per request")] = None,
    max_latency_ms: Annotated[float | None, typer.Option(help="Max p95 latency in ms")] = None,
    min_quality: Annotated[float | None, typer.Option(help="Min quality (lower end of its interval)")] = None,
    min_context: Annotated[int | None, typer.Option(help="Min context window in tokens")] = None,
    models: Annotated[str | None, typer.Option(help="Comma list of candidates (default: all profiled)")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the selection as JSON")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="llmbench.toml")] = None,
) -> None:
    """Pick the model for a prompt from learned profiles (simulated models' declared ones on a fresh install)."""
    from llmbench.router import ModelConstraints

    cfg = load_config(config)
    router = _router(cfg, strategy)
    candidates = None
    if models:
        candidates = [m.identifier for m in (cfg.resolve_model(ref) for ref in models.split(",") if ref.strip())]
    constraints = ModelConstraints(
        max_cost_usd=max_cost, max_latency_ms=max_latency_ms, min_quality=min_quality, min_context_tokens=min_context
    )
    selection = router.select_model(prompt, candidates, constraints)
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
def show(
    json_output: Annotated[bool, typer.Option("--json", help="Print profiles as JSON")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="llmbench.toml")] = None,
) -> None:
    """Profiles the router reads: learned ones, and the simulated models' declared ones."""
    from llmbench.router import load_profiles, open_store

    cfg = load_config(config)
    location = cfg.profiles_location()
    profiles = load_profiles(open_store(location))
    if json_output:
        data = {name: p.model_dump(mode="json") for name, p in sorted(profiles.items())}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(title=f"Router profiles ({location})")
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


@profiles_app.command("reset")
def reset(
    models: Annotated[str | None, typer.Option(help="Comma list of models (provider/model); default: all")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="llmbench.toml")] = None,
) -> None:
    """Forget learned profiles (all, or the models given)."""
    from llmbench.router import open_store

    names = [m.strip() for m in models.split(",")] if models else None
    count = open_store(load_config(config).profiles_location()).reset(names)
    out.print(f"reset {count} profile(s)")


@profiles_app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="JSON file to write")],
    config: Annotated[Path | None, typer.Option("--config", help="llmbench.toml")] = None,
) -> None:
    """Write learned profiles to a JSON file."""
    from llmbench.router import export_profiles, open_store

    count = export_profiles(open_store(load_config(config).profiles_location()), path)
    out.print(f"exported {count} profile(s) to {path}")


@profiles_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="JSON file to read (llmbench's format or the seed's)")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace all profiles instead of merging")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="llmbench.toml")] = None,
) -> None:
    """Load profiles from a JSON file into the store."""
    from llmbench.router import import_profiles, open_store

    count = import_profiles(open_store(load_config(config).profiles_location()), path, merge=not replace)
    out.print(f"imported {count} profile(s) from {path}")
