"""``runs list|show|diff`` and ``report``: past runs read back from MLflow, found by id, unique prefix or latest.

Runs are the comparisons recorded in the compare and benchmark experiments of ``[tracking]`` (per-model child runs
are not listed). MLflow is imported only once the options are checked, so a mistake stays instant.
"""

from __future__ import annotations

import json
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, err, fail, guarded, out, prepare_environment

if TYPE_CHECKING:
    from llmbench.tracking.history import RunSummary
    from llmbench.types import ComparisonResult

__all__ = ["register", "runs_app"]

ORDER = 15
PANEL = "Runs"
#: At most this many runs in one list.
MAX_LIMIT = 1000

runs_app = typer.Typer(no_args_is_help=True, help="Past runs recorded in MLflow: list, show, diff.")
RunArgument = Annotated[str, typer.Argument(metavar="RUN", help="MLflow run id, a unique prefix of one, or latest")]


class _Store:
    """Where runs are read from: the tracking URI and the experiments of the config."""

    def __init__(self, config: Path | None) -> None:
        prepare_environment(config)
        from llmbench.config import load_config
        from llmbench.tracking.uri import default_tracking_uri

        cfg = load_config()
        self.uri = cfg.tracking_uri() or default_tracking_uri()
        self.experiments = [cfg.tracking.compare_experiment, cfg.tracking.benchmark_experiment]

    def resolve(self, ref: str) -> str:
        from llmbench.tracking.history import resolve_run

        return resolve_run(ref, self.experiments, tracking_uri=self.uri)

    def load(self, ref: str) -> tuple[RunSummary, ComparisonResult]:
        from llmbench.tracking.history import load_run

        return load_run(self.resolve(ref), tracking_uri=self.uri)

    def links(self, summary: RunSummary) -> dict[str, str]:
        """The run's pages: its MLflow page when a UI serves the store, its Prefect flow run when it has a URL."""
        from llmbench.links import mlflow_run_url

        found = {}
        url = mlflow_run_url(self.uri, summary.run_id)
        if url:
            found["MLflow run"] = url
        if summary.prefect_url:
            found["Prefect flow run"] = summary.prefect_url
        return found


def _when(summary: RunSummary) -> str:
    return summary.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if summary.started_at else "—"


def _duration(summary: RunSummary) -> str:
    return "—" if summary.duration_s is None else f"{summary.duration_s:.1f} s"


@runs_app.command("list")
@guarded
def list_command(
    limit: Annotated[int, typer.Option("--limit", "-n", help=f"How many runs, newest first (1–{MAX_LIMIT})")] = 20,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """The newest runs: id, when, what was compared and who came first."""
    if not 1 <= limit <= MAX_LIMIT:
        fail(f"--limit {limit}: allowed: 1–{MAX_LIMIT}")
    store = _Store(config)
    from llmbench.tracking.history import list_runs

    runs = list_runs(store.experiments, tracking_uri=store.uri, limit=limit)
    if json_output:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in runs], indent=2) + "\n")
        return
    if not runs:
        out.print(f"no llmbench runs recorded yet in {store.uri}", highlight=False)
        return
    from rich.table import Table

    table = Table(title=f"llmbench runs ({len(runs)} newest) in {store.uri}", title_justify="left")
    for column in ("id", "started", "run", "status", "duration"):
        table.add_column(column, no_wrap=column != "run")
    for r in runs:
        status = r.status if r.complete else f"{r.status}, incomplete"
        table.add_row(r.run_id[:8], _when(r), r.name, status, _duration(r))
    out.print(table)
    out.print("[dim]llmbench runs show ID · llmbench report ID --html report.html[/dim]", highlight=False)


@runs_app.command("show")
@guarded
def show(run: RunArgument, json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """One run: where it is, its ranking, recommendations and summary."""
    store = _Store(config)
    summary, result = store.load(run)
    if json_output:
        payload = {"run": summary.model_dump(mode="json"), "result": result.model_dump(mode="json")}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    from llmbench.console import print_result
    from llmbench.links import mlflow_ui_command

    links = store.links(summary)
    rows = {
        "run": summary.name,
        "id": f"{summary.run_id}  ({summary.experiment}, {summary.status})",
        "started": f"{_when(summary)}, took {_duration(summary)}",
        "MLflow": links.get("MLflow run") or f"open the store with: {mlflow_ui_command(store.uri)}",
        "Prefect": links.get("Prefect flow run") or summary.prefect_flow_run_id or "—",
    }
    for key, value in rows.items():
        out.print(f"{key:<8} {value}", highlight=False, soft_wrap=True)
    out.print()
    result.links = None  # printed above, from the store rather than from when the run was recorded
    print_result(out, result)
    out.print(f"[dim]HTML report: llmbench report {summary.run_id[:8]} --html report.html[/dim]", highlight=False)


@runs_app.command("diff")
@guarded
def diff(
    run_a: Annotated[str, typer.Argument(metavar="RUN_A", help="The earlier run: id, prefix or latest")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B", help="The later run: id, prefix or latest")],
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """What changed from RUN_A to RUN_B: ranks and figures per model, answers that flipped."""
    store = _Store(config)
    summary_a, result_a = store.load(run_a)
    summary_b, result_b = store.load(run_b)
    from llmbench.report import diff_results

    changes = diff_results(result_a, result_b, names=(summary_a.run_id, summary_b.run_id))
    if json_output:
        sys.stdout.write(changes.model_dump_json(indent=2) + "\n")
        return
    from llmbench.cli._diff_view import print_diff

    print_diff(out, changes, summary_a.name, summary_b.name)


@guarded
def report(
    run: RunArgument,
    html: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write a self-contained HTML report to FILE")
    ] = None,
    open_it: Annotated[
        bool, typer.Option("--open", metavar="", help="Open the HTML report in a browser (written to the home)")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """The report of a past run: Markdown on stdout, or a self-contained HTML file (--html, --open)."""
    if html is not None and not html.expanduser().resolve().parent.is_dir():
        fail(f"--html {html}: directory {html.expanduser().resolve().parent} does not exist")
    store = _Store(config)
    summary, result = store.load(run)
    if html is None and not open_it:
        from llmbench.report import render_markdown

        sys.stdout.write(render_markdown(result, title=summary.name))
        return
    path = _write_html(store, summary, result, html)
    out.print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KB)", highlight=False)
    if open_it and not webbrowser.open(path.as_uri()):
        err.print(f"[dim]no browser to open it here; open {path.as_uri()}[/dim]", highlight=False)


def _write_html(store: _Store, summary: RunSummary, result: ComparisonResult, html: Path | None) -> Path:
    from llmbench.home import home_paths
    from llmbench.report import render_html
    from llmbench.tracking.plots import svg_figures

    path = (html or home_paths().home / "reports" / f"{summary.run_id}.html").expanduser().resolve()
    page = render_html(result, links=store.links(summary), figures=svg_figures(result))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as error:
        fail(f"--html {path}: cannot write it: {error.strerror}")
    return path


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs", rich_help_panel=PANEL)
    app.command("report", rich_help_panel=PANEL)(report)
