"""What every command group shares: the consoles, the common options, and one-line errors with exit code 2.

Expected failures (an :class:`~llmbench.errors.LLMBenchError`, a bad option value, an unknown option) end as one
line on stderr that names the option, file or key, and exit code 2; tracebacks are for bugs.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from typer.core import TyperGroup

from llmbench.errors import ConfigError, LLMBenchError

__all__ = [
    "DEFAULT_METRICS_TEXT",
    "ConfigOption",
    "JsonOption",
    "JudgeOption",
    "MetricsOption",
    "OneLineErrors",
    "err",
    "fail",
    "guarded",
    "out",
    "parse_options",
    "prepare_environment",
    "run_once_gc",
    "split",
    "split_or_none",
    "user_errors",
]

M = TypeVar("M", bound=BaseModel)

# Piped or captured output still gets a table wide enough to read.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="llmbench.toml (default: $LLMBENCH_CONFIG, then ./llmbench.toml)")
]
# metavar "": a flag takes no value, so help must not show one (typer would print "--json <bool>").
JsonOption = Annotated[bool, typer.Option("--json", metavar="", help="Print the full result as JSON on stdout")]
#: llmbench.types.DEFAULT_METRICS, spelled out so that --help imports nothing (a test checks they agree).
DEFAULT_METRICS_TEXT = "correctness,faithfulness,relevance,coherence"
MetricsOption = Annotated[
    str | None,
    typer.Option(
        "--metrics",
        show_default=False,
        help="Comma list of evaluators (`llmbench metrics` lists them). Default: "
        f"{DEFAULT_METRICS_TEXT.replace(',', ', ')}, plus the judge metrics and rubrics when a judge is set",
    ),
]
JudgeOption = Annotated[
    str | None,
    typer.Option(
        "--judge",
        metavar="MODEL",
        show_default=False,
        help="Model that scores answers for the judge metrics (provider:model or a \\[models.<name>] name); "
        "default: \\[evaluation] judge, if set",
    ),
]

# Prefect logs only warnings to the console: the CLI prints its own progress and results.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL": "WARNING",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL": "WARNING",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # a run's report is one small file: no bar on stderr
}


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def split_or_none(text: str | None) -> list[str] | None:
    """``split(text)``, or None for an option not given (the config decides); an empty text stays ``[]``."""
    return None if text is None else split(text)


def prepare_environment(config: Path | None) -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if config is not None:
        if not config.expanduser().is_file():
            fail(f"--config {config}: config file not found")
        os.environ["LLMBENCH_CONFIG"] = str(config.expanduser().resolve())


def run_once_gc() -> None:
    """Tune Python's cyclic GC for a process that runs one command and exits.

    Prefect, MLflow, pandas and pydantic leave ~1 M long-lived objects after import, and the collector keeps
    rescanning them: measured, a one-prompt ``compare`` spent ~3.5 s of its ~8.5 s CPU in collections, ~2 s of
    them in the full collection at interpreter exit. Young objects are collected less often (cycles still are), the
    imports are frozen out of later scans (:func:`gc.freeze` after the heavy imports), and exit skips the scan.
    """
    gc.set_threshold(10_000, 20, 20)
    atexit.register(gc.freeze)


def fail(message: str) -> NoReturn:
    """One plain line on stderr (never wrapped, so a script can grep it) and exit code 2."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    raise typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Expected failures become one line on stderr and exit code 2."""
    try:
        yield
    except LLMBenchError as error:
        fail(str(error))


def guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """``fn`` with expected failures turned into one line and exit code 2 (a command decorator)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with user_errors():
            fn(*args, **kwargs)

    return wrapper


def _describe_option(model: type[BaseModel], error: ValidationError, flags: Mapping[str, str]) -> str:
    from llmbench.config import allowed_values

    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    flag = flags.get(field, f"--{field.replace('_', '-')}")
    if first["type"] in {"string_too_short", "too_short", "string_pattern_mismatch"}:
        return f"{flag} must not be empty"
    allowed = allowed_values(model, first["loc"][:1])
    value = first.get("input")
    return f"{flag} {value!r}: {first['msg']}" + (f" (allowed: {allowed})" if allowed else "")


def parse_options(model: type[M], flags: Mapping[str, str], **values: Any) -> M:
    """``model(**values)``, where a rejected value is a one-line :class:`ConfigError` naming its option.

    The ranges live once, on the pydantic model the flows and the Prefect UI forms validate with too;
    ``flags`` maps a field to its option (``timeout_seconds`` → ``--timeout``).
    """
    try:
        return model(**values)
    except ValidationError as error:
        raise ConfigError(_describe_option(model, error, flags)) from None


class OneLineErrors(TyperGroup):
    """The root command: usage mistakes (unknown option, missing value, bad number) as one line and exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        def run(standalone: bool) -> Any:
            return super(OneLineErrors, self).main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=standalone, **extra
            )

        if not standalone_mode:
            return run(False)
        try:
            code = run(False)
        except Exception as error:
            # Click's errors carry an exit code and a message (typer vendors click, so match them by shape).
            exit_code = getattr(error, "exit_code", None)
            if not isinstance(exit_code, int) or not callable(getattr(error, "format_message", None)):
                raise
            if type(error).__name__ == "NoArgsIsHelpError":
                error.show()  # type: ignore[attr-defined]  # the help text, as click shows it
                sys.exit(2)
            ctx = getattr(error, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None and exit_code == 2 else ""
            sys.stderr.write(f"error: {' '.join(error.format_message().split())}{hint}\n")  # type: ignore[attr-defined]
            sys.exit(exit_code)
        except typer.Abort:  # Ctrl-C outside a run (a run's own handler says what it kept and how to resume)
            sys.stderr.write("interrupted\n")
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)  # non-standalone click returns Exit codes instead of raising
