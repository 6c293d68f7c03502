"""``models``: the built-in simulated models and the models declared in llmbench.toml."""

from __future__ import annotations

import sys

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, out, prepare_environment, user_errors

__all__ = ["register"]

ORDER = 20


def list_models(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """List the built-in simulated models and the models declared in the config."""
    prepare_environment(config)
    with user_errors():
        from llmbench.catalogue import list_available_models

        rows = list_available_models(config)
    if json_output:
        import json

        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2) + "\n")
        return
    from llmbench.console import print_models

    print_models(out, rows)


def register(app: typer.Typer) -> None:
    app.command("models", rich_help_panel="Models and routing")(list_models)
