"""``compare``, ``bench`` and ``quickstart`` (a ``bench`` of the simulated models): runs through the Prefect flows,
recorded in MLflow.

Every input is checked first (options, config, models, keys, metrics, dataset, profile store), in well under a
second and before any server starts; then the local Prefect server is reused (or started once, saying so) and the
flow runs. Prefect and the flows are imported only after that, so a mistake costs no Prefect import.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from llmbench.cli._durable import (
    Interrupted,
    check_output,
    exit_code,
    resolve_resume,
    resume_line,
    run_interruptible,
)
from llmbench.cli._shared import (
    ConfigOption,
    JsonOption,
    JudgeOption,
    MetricsOption,
    err,
    fail,
    out,
    parse_options,
    prepare_environment,
    split,
    split_or_none,
    user_errors,
)

if TYPE_CHECKING:
    from llmbench.server import PrefectConnection
    from llmbench.types import ComparisonResult

__all__ = ["register"]

ORDER = 10
PANEL = "Runs"
T = TypeVar("T")

#: Request field → the option that sets it, for one-line errors.
FLAGS = {
    "models": "--models",
    "prompt": "--prompt",
    "concurrency": "--concurrency",
    "timeout_seconds": "--timeout",
    "limit": "--limit",
    "metrics": "--metrics",
    "judge": "--judge",
    "stats": "--stats",
    "dataset": "DATASET",
}

ModelsOption = Annotated[str, typer.Option("--models", "-m", help="Comma list: sim:oracle-xl,sim:swift-s,<name>")]
ConcurrencyOption = Annotated[int | None, typer.Option(help="Model calls in flight at once (1–1000)")]
TimeoutOption = Annotated[float | None, typer.Option("--timeout", help="Overall deadline in seconds (1–3600)")]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", metavar="", help="Call every model again: no answer from the response cache")
]
# typer has no option with an optional value, so "this benchmark's unfinished run" is spelled "last".
ResumeOption = Annotated[
    str | None,
    typer.Option(
        "--resume",
        metavar="RUN|last",
        help="Resume a result-store run id, or `last`: this benchmark's unfinished run (a plain rerun does that "
        "too); finished pairs are not called again",
    ),
]
StatsOption = Annotated[
    bool | None,
    typer.Option(
        "--stats/--no-stats",
        metavar="",
        show_default=False,
        help="Intervals, corrected pairwise tests and tie groups (needs enough items); default: \\[statistics] enabled",
    ),
]


def compare(
    models: ModelsOption,
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="The prompt sent to every model")],
    context: Annotated[str | None, typer.Option(help="Context the answer should rely on")] = None,
    reference: Annotated[str | None, typer.Option(help="A reference answer")] = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    metrics: MetricsOption = None,
    judge: JudgeOption = None,
    stats: StatsOption = None,
    no_cache: NoCacheOption = False,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Compare models on one prompt through the Prefect flow compare-models."""
    prepare_environment(config)
    with user_errors():
        from llmbench.config import load_config
        from llmbench.runs import CompareRequest, resolve_settings

        request = parse_options(
            CompareRequest,
            FLAGS,
            prompt=prompt,
            context=context,
            reference=reference,
            models=split(models),
            concurrency=concurrency,
            timeout_seconds=timeout,
            metrics=split_or_none(metrics),
            judge=judge,
            stats=stats,
            cache=False if no_cache else None,
        )
        settings = resolve_settings(request, load_config())
        connection = _connect(json_output)
        compare_models = _flow("flows.compare", "compare_models")
        with _interrupts(lambda signum: "interrupted: nothing to resume (one prompt); rerun the command"):
            result = _with_progress(
                len(settings.models), lambda: run_interruptible(lambda: compare_models(request)), json_output
            )
    _show(result, json_output, connection)


def bench(
    dataset: Annotated[Path, typer.Argument(help="Dataset: .jsonl, or the seed's .json/.yaml form")],
    models: ModelsOption,
    concurrency: ConcurrencyOption = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N items (N ≥ 1)")] = None,
    timeout: TimeoutOption = None,
    no_profiles: Annotated[
        bool, typer.Option("--no-profiles", metavar="", help="Do not update router profiles")
    ] = False,
    metrics: MetricsOption = None,
    judge: JudgeOption = None,
    stats: StatsOption = None,
    resume: ResumeOption = None,
    no_cache: NoCacheOption = False,
    json_output: JsonOption = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the full result as JSON to this file (whole or absent)"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Benchmark models on a dataset through the Prefect flow benchmark-models.

    Every result is stored as it completes: after a crash or Ctrl-C, the same command resumes without calling
    any finished (model, item) pair again.
    """
    prepare_environment(config)
    with user_errors():
        from llmbench.config import load_config
        from llmbench.datasets import load_dataset
        from llmbench.preflight import check_profile_store
        from llmbench.runs import BenchmarkRequest, resolve_settings

        request = parse_options(
            BenchmarkRequest,
            FLAGS,
            dataset=str(dataset),
            models=split(models),
            concurrency=concurrency,
            limit=limit,
            timeout_seconds=timeout,
            update_profiles=False if no_profiles else None,
            metrics=split_or_none(metrics),
            judge=judge,
            stats=stats,
            cache=False if no_cache else None,
        )
        cfg = load_config()
        settings = resolve_settings(request, cfg)
        data = load_dataset(dataset)
        items = data.items[:limit] if limit else data.items
        run_id = resolve_resume(resume, data.name, items, settings)  # an unknown run fails before anything starts
        if output is not None:
            check_output(output)
        if run_id is not None:
            request = request.model_copy(update={"resume": run_id})
        auto = cfg.orchestration.auto_update_profiles
        if auto if request.given("update_profiles") is None else request.update_profiles:
            check_profile_store(cfg.profiles_location())  # an unusable store fails now, not after every call
        connection = _connect(json_output)
        benchmark_models = _flow("flows.benchmark", "benchmark_models")
        total = len(settings.models) * len(items)
        with _interrupts(lambda signum: resume_line(signum, data.name, items, settings)):
            result = _with_progress(total, lambda: run_interruptible(lambda: benchmark_models(request)), json_output)
    if output is not None:
        from llmbench.store import write_json_atomic

        write_json_atomic(output, _complete(result))
    _show(result, json_output, connection)


#: The quick start's dataset: twelve questions with references, enough for intervals and tie groups.
QUICKSTART_DATASET = Path(__file__).resolve().parents[2] / "examples" / "datasets" / "qa_small.jsonl"


def quickstart(config: ConfigOption = None) -> None:
    """Benchmark the six built-in simulated models on the shipped qa_small dataset (what `make run` does).

    A benchmark rather than a prompt or two: with twelve scored items the ranking has intervals and tie groups, so
    the first table a new user sees already says which differences are real.
    """
    from llmbench.providers.sim import SIM_CATALOGUE

    if not QUICKSTART_DATASET.is_file():
        fail(f"{QUICKSTART_DATASET}: the quick start's dataset is missing (it ships in a clone's examples/)")
    models = [f"sim:{name}" for name in SIM_CATALOGUE]
    prepare_environment(config)
    with user_errors():  # a bad llmbench.toml is its one line, before the banner
        from llmbench.config import load_config

        load_config()
    err.print(
        f"[bold]llmbench quick start[/bold]: the {len(models)} built-in simulated models (offline, deterministic, "
        f"labelled SIMULATED) on {QUICKSTART_DATASET.name}, 12 questions with references, through the Prefect flow "
        "benchmark-models; recorded in MLflow; router profiles learn from it",
        highlight=False,
    )
    bench(dataset=QUICKSTART_DATASET, models=",".join(models), config=config)


@contextmanager
def _interrupts(line: Callable[[int], str]) -> Iterator[None]:
    """Ctrl-C or SIGTERM during the flow: one line (what was kept, how to resume), exit 130 or 143."""
    try:
        yield
    except Interrupted as stop:
        sys.stderr.write(line(stop.signum) + "\n")
        raise typer.Exit(exit_code(stop.signum)) from None


def _connect(quiet: bool) -> PrefectConnection:
    """The Prefect server this run uses; the first run ever starts the local one and says so on stderr."""
    from llmbench.server import connect_prefect

    connection = connect_prefect(on_start=lambda message: err.print(f"[dim]{message}[/dim]", highlight=False))
    if connection.started and connection.start_seconds is not None:
        err.print(
            f"[dim]local Prefect server ready in {connection.start_seconds:.1f} s at {connection.ui_url}; it keeps "
            "running in the background for the next commands (`llmbench server stop` stops it)[/dim]",
            highlight=False,
        )
    return connection


def _flow(module: str, name: str) -> Any:
    """A flow, imported once the checks passed (Prefect takes ~1 s to import) and frozen out of later GC scans."""
    import gc
    import importlib

    flow = getattr(importlib.import_module(module), name)
    gc.freeze()  # see run_once_gc
    return flow


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


def _complete(result: ComparisonResult) -> ComparisonResult:
    """The result with the MLflow run's UI link (or the command that opens its store)."""
    from llmbench.links import complete_links

    links = result.links
    if links is not None and not (links.mlflow_run_url or links.mlflow_ui_command):  # the flow may have done it
        result.links = complete_links(links)
    return result


def _show(result: ComparisonResult, json_output: bool, connection: PrefectConnection) -> None:
    import sys

    result = _complete(result)
    if json_output:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    from llmbench.console import print_result

    print_result(out, result)
    _print_server(connection)


def _print_server(connection: PrefectConnection) -> None:
    if connection.source != "local server":
        out.print(f"[dim]Prefect server: {connection.api_url} (from {connection.source})[/dim]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(compare)
    app.command(rich_help_panel=PANEL)(bench)
    app.command(rich_help_panel=PANEL)(quickstart)
