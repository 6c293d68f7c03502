"""The ``llmbench`` command. Each public module of this package is one command group.

A group module defines ``register(app)`` and an ``ORDER`` (its place in ``--help``); it is found here by name, so
adding a group is one new file. Modules import only typer at the top: Prefect, MLflow and the flows are imported
inside the commands that need them, so ``--help``, ``models`` and every input mistake stay quick.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from llmbench.cli._shared import OneLineErrors, run_once_gc

__all__ = ["app", "main"]

app = typer.Typer(
    cls=OneLineErrors, add_completion=False, no_args_is_help=True, help="Compare, score, rank and route LLMs."
)


def _register_groups() -> None:
    groups = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    for group in sorted(groups, key=lambda module: (getattr(module, "ORDER", 100), module.__name__)):
        group.register(app)


_register_groups()


def main() -> None:
    run_once_gc()
    app()


if __name__ == "__main__":
    main()
