"""``server start|stop|status`` (the local Prefect server) and ``setup``; both print where each thing lives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, err, guarded, out, prepare_environment

__all__ = ["register", "server_app"]

ORDER = 40
PANEL = "Servers"

server_app = typer.Typer(no_args_is_help=True, help="The local Prefect server llmbench starts once and reuses.")


def _locations(config: Path | None) -> dict[str, str]:
    """Where each kind of local state lives, as the commands will use it."""
    from llmbench.config import load_config
    from llmbench.home import home_paths

    cfg = load_config(config)
    paths = home_paths()
    return {
        "home": str(paths.home),
        "profiles": cfg.profiles_location(),
        "result store": str(paths.store),
        "MLflow store": cfg.tracking_uri() or paths.mlflow_uri,
        "MLflow artifacts": str(paths.mlflow_artifacts),
        "Prefect state": str(paths.prefect_home),
    }


def _server_report() -> dict[str, object]:
    from llmbench.server import LocalPrefectServer, user_api_url

    status = LocalPrefectServer().status()
    chosen = user_api_url()
    report: dict[str, object] = {
        "running": status.running,
        "healthy": status.healthy,
        "pid": status.pid,
        "api_url": status.api_url,
        "ui_url": status.ui_url,
        "log": str(status.log),
        "commands_use": chosen[0] if chosen else status.api_url,
        "chosen_by": chosen[1] if chosen else "local server",
    }
    return report


def _why(source: str) -> str:
    if source == "local server":
        return "llmbench's local server, started by the first command that needs it"
    return f"from {source}: llmbench's local server is not used"


def _print_table(rows: dict[str, object]) -> None:
    width = max(len(key) for key in rows)
    for key, value in rows.items():
        out.print(f"{key:<{width}}  {value}", highlight=False)


@server_app.command("status")
@guarded
def status(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """Whether the local Prefect server runs, which server commands use, and where each thing lives."""
    prepare_environment(config)
    report = _server_report()
    locations = _locations(config)
    if json_output:
        sys.stdout.write(json.dumps({"server": report, "locations": locations}, indent=2) + "\n")
        return
    state = f"running (pid {report['pid']})" if report["running"] else "not running"
    if report["running"] and not report["healthy"]:
        state += ", not answering yet"
    _print_table(
        {
            "Prefect server": f"{state}  UI {report['ui_url']}",
            "commands use": f"{report['commands_use']}  ({_why(str(report['chosen_by']))})",
            "server log": report["log"],
            **locations,
        }
    )


@server_app.command("start")
@guarded
def start() -> None:
    """Start the local Prefect server in the background (commands start it themselves when needed)."""
    from llmbench.server import LocalPrefectServer

    server = LocalPrefectServer()
    was_running = server.status().healthy
    status = server.ensure_running(on_start=lambda message: err.print(f"[dim]{message}[/dim]", highlight=False))
    verb = "already running" if was_running else "started"
    out.print(f"Prefect server {verb} (pid {status.pid}) at {status.ui_url}; log {status.log}", highlight=False)


@server_app.command("stop")
@guarded
def stop() -> None:
    """Stop the local Prefect server (the next command that needs it starts it again)."""
    from llmbench.server import LocalPrefectServer

    out.print(
        "stopped the local Prefect server"
        if LocalPrefectServer().stop()
        else "the local Prefect server was not running"
    )


@guarded
def setup(config: ConfigOption = None) -> None:
    """Start (or reuse) the Prefect server, create the provider concurrency limits of llmbench.toml, and print
    where each thing lives."""
    prepare_environment(config)
    from llmbench.config import load_config
    from llmbench.server import connect_prefect

    cfg = load_config()
    connection = connect_prefect(on_start=lambda message: err.print(f"[dim]{message}[/dim]", highlight=False))
    import asyncio

    from tasks.limits import upsert_provider_limits

    limits = asyncio.run(upsert_provider_limits(cfg.prefect.provider_concurrency))
    for provider, limit in limits.items():
        out.print(f"concurrency limit llmbench-provider-{provider} = {limit}")
    _print_table({"Prefect server": f"{connection.ui_url}  ({_why(connection.source)})", **_locations(config)})


def register(app: typer.Typer) -> None:
    app.command("setup", rich_help_panel=PANEL)(setup)
    app.add_typer(server_app, name="server", rich_help_panel=PANEL)
