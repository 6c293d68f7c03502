"""``mock-server``: the local OpenAI / Anthropic / Ollama protocol server with fault injection."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmbench.cli._shared import user_errors

__all__ = ["register"]

ORDER = 50


def mock_server(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8900,
    config: Annotated[Path | None, typer.Option("--config", help="Mock server config (TOML or JSON)")] = None,
) -> None:
    """Serve the OpenAI, Anthropic and Ollama protocols locally with deterministic answers and fault injection."""
    with user_errors():
        from llmbench.mock_server import load_mock_config, run_mock_server

        run_mock_server(host, port, load_mock_config(config) if config else None)


def register(app: typer.Typer) -> None:
    app.command("mock-server", rich_help_panel="Servers")(mock_server)
