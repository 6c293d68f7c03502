"""The ``llmbench`` command: compare, bench, models, route, profiles, setup, mock-server, quickstart.

Heavy imports (Prefect, MLflow) happen inside commands so ``llmbench --help`` and ``llmbench models`` stay quick.
Every expected failure ends as one line on stderr and exit code 2; tracebacks are for bugs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from llmbench.errors import LLMBenchError

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Compare, score, rank and route LLMs.")
# Piped or captured output still gets a table wide enough to read.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)
T = TypeVar("T")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="llmbench.toml (default: $LLMBENCH_CONFIG, then ./llmbench.toml)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the full result as JSON on stdout")]
MetricsOption = Annotated[str, typer.Option("--metrics", help="Comma list of evaluators")]
DEFAULT_METRICS_TEXT = "faithfulness,relevance,coherence"


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# Prefect's ephemeral server can take 18-25 s to start cold on 2 cores; its default 20 s start-up timeout fails.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL": "WARNING",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL": "WARNING",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
}


def _prepare_environment(config: Path | None) -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if config is not None:
        os.environ["LLMBENCH_CONFIG"] = str(config.expanduser().resolve())


@contextmanager
def _user_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 2."""
    try:
        yield
    except LLMBenchError as error:
        sys.stderr.write(f"error: {error}\n")  # plain, never wrapped: one line a script can grep
        raise typer.Exit(2) from None


@app.command()
def compare(
    models: Annotated[str, typer.Option("--models", "-m", help="Comma list: sim:oracle-xl,sim:swift-s,<name>")],
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="The prompt sent to every model")],
    context: Annotated[str | None, typer.Option(help="Context the answer should rely on")] = None,
    reference: Annotated[str | None, typer.Option(help="A reference answer")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Model calls in flight at once")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Overall deadline in seconds")] = None,
    metrics: MetricsOption = DEFAULT_METRICS_TEXT,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Compare models on one prompt through the Prefect flow compare-models."""
    _prepare_environment(config)
    with _user_errors():
        from llmbench.config import load_config
        from llmbench.runs import CompareRequest, resolve_settings

        request = CompareRequest(
            prompt=prompt,
            context=context,
            reference=reference,
            models=_split(models),
            concurrency=concurrency,
            timeout_seconds=timeout,
            metrics=_split(metrics),
        )
        resolve_settings(request, load_config())  # fail on a bad model or metric name before Prefect starts
        from flows.compare import compare_models

        result = _with_progress(len(request.models), lambda: asyncio.run(compare_models(request)), json_output)
    _show(result, json_output)


@app.command()
def bench(
    dataset: Annotated[Path, typer.Argument(help="Dataset: .jsonl, or the seed's .json/.yaml form")],
    models: Annotated[str, typer.Option("--models", "-m", help="Comma list: sim:oracle-xl,sim:swift-s,<name>")],
    concurrency: Annotated[int | None, typer.Option(help="Model calls in flight at once")] = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N items")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Overall deadline in seconds")] = None,
    no_profiles: Annotated[bool, typer.Option("--no-profiles", help="Do not update router profiles")] = False,
    metrics: MetricsOption = DEFAULT_METRICS_TEXT,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Benchmark models on a dataset through the Prefect flow benchmark-models."""
    _prepare_environment(config)
    with _user_errors():
        from llmbench.config import load_config
        from llmbench.datasets import load_dataset
        from llmbench.runs import BenchmarkRequest, resolve_settings

        request = BenchmarkRequest(
            dataset=str(dataset),
            models=_split(models),
            concurrency=concurrency,
            limit=limit,
            timeout_seconds=timeout,
            update_profiles=False if no_profiles else None,
            metrics=_split(metrics),
        )
        resolve_settings(request, load_config())
        n_items = len(load_dataset(dataset).items)
        from flows.benchmark import benchmark_models

        total = len(request.models) * min(n_items, limit or n_items)
        result = _with_progress(total, lambda: asyncio.run(benchmark_models(request)), json_output)
    _show(result, json_output)


def _with_progress(total: int, work: Callable[[], T], quiet: bool) -> T:
    """Run ``work`` with a progress bar over model calls on stderr (the flow publishes each finished call)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from llmbench.progress import subscribe

    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]model calls"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=False,
    ) as progress:
        bar = progress.add_task("calls", total=total, failed=0)
        failed = 0

        def on_result(result: Any) -> None:
            nonlocal failed
            failed += 0 if result.success else 1
            progress.update(bar, advance=1, failed=failed)

        with subscribe(on_result):
            value = work()
    if not quiet:
        err.print(f"[dim]finished in {time.perf_counter() - started:.1f} s[/dim]")
    return value


def _show(result: Any, json_output: bool) -> None:
    if json_output:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    from llmbench.console import print_result

    print_result(out, result)


@app.command("models")
def list_models(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """List the built-in simulated models and the models declared in the config."""
    _prepare_environment(config)
    with _user_errors():
        from llmbench.catalogue import list_available_models

        rows = list_available_models(config)
    if json_output:
        import json

        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2) + "\n")
        return
    from llmbench.console import print_models

    print_models(out, rows)


@app.command()
def quickstart(config: ConfigOption = None) -> None:
    """Compare the built-in simulated models on a few prompts (what `make run` does)."""
    _prepare_environment(config)
    from llmbench.console import print_quickstart
    from llmbench.runs import CompareRequest

    prompts = [
        CompareRequest(
            prompt="What does photosynthesis produce?",
            context="Photosynthesis turns light, water and carbon dioxide into glucose. Oxygen is released.",
            reference="Photosynthesis produces glucose and releases oxygen.",
        ),
        CompareRequest(
            prompt="Why do databases use indexes?",
            context="An index speeds up lookups of rows by the indexed columns, at the cost of storage and writes.",
        ),
        CompareRequest(prompt="Explain the difference between TCP and UDP in two sentences."),
    ]
    with _user_errors():
        from flows.compare import compare_models

        err.print("[bold]llmbench quick start[/bold]: simulated models (offline, deterministic), flow compare-models")
        results = []
        for request in prompts:
            err.print(f"[dim]prompt:[/dim] {request.prompt}")
            results.append(asyncio.run(compare_models(request)))
    print_quickstart(out, results)


@app.command()
def setup(config: ConfigOption = None) -> None:
    """Create or update the Prefect global concurrency limits of [prefect] provider_concurrency."""
    _prepare_environment(config)
    with _user_errors():
        from llmbench.config import load_config
        from tasks.limits import upsert_provider_limits

        limits = asyncio.run(upsert_provider_limits(load_config().prefect.provider_concurrency))
    for provider, limit in limits.items():
        out.print(f"concurrency limit llmbench-provider-{provider} = {limit}")


@app.command("mock-server")
def mock_server(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8900,
    config: Annotated[Path | None, typer.Option("--config", help="Mock server config (TOML or JSON)")] = None,
) -> None:
    """Serve the OpenAI, Anthropic and Ollama protocols locally with deterministic answers and fault injection."""
    with _user_errors():
        from llmbench.mock_server import load_mock_config, run_mock_server

        run_mock_server(host, port, load_mock_config(config) if config else None)


def _register_routing() -> None:
    from llmbench.routing_cli import profiles_app, route

    app.command("route")(_guarded(route))
    app.add_typer(profiles_app, name="profiles")
    for command in profiles_app.registered_commands:
        command.callback = _guarded(command.callback)  # type: ignore[arg-type]


def _guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """The same command, with expected failures turned into one line and exit code 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with _user_errors():
            fn(*args, **kwargs)

    return wrapper


_register_routing()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
