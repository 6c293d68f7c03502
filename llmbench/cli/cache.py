"""``cache stats|clear|runs``: the response cache and the result store, read without any server.

Both live in one database (``[store] url``, default ``$LLMBENCH_HOME/store.db``). ``runs`` lists the result
store's runs (ids to pass to ``bench --resume``); the MLflow history stays under ``llmbench runs``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, fail, guarded, out, prepare_environment

__all__ = ["cache_app", "register"]

ORDER = 35
PANEL = "Store and limits"

cache_app = typer.Typer(
    no_args_is_help=True,
    help="The response cache (answers reused for identical requests) and the result store's runs.",
)


def _ago(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    seconds = max(0.0, time.time() - epoch)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit} ago"
    return f"{seconds:.0f} s ago"


def _size(n: int) -> str:
    for unit, size in (("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


@cache_app.command("stats")
@guarded
def stats(json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """Entries, size, age and TTL of the cache, and the hits of the latest run."""
    prepare_environment(config)
    from llmbench.config import load_config
    from llmbench.store import open_cache

    cfg = load_config()
    found = open_cache(cfg.store_url(), cfg.cache.ttl_hours).stats()
    if json_output:
        sys.stdout.write(found.model_dump_json(indent=2) + "\n")
        return
    state = "on" if cfg.cache.enabled else "off ([cache] enabled = false)"
    rows = {
        "response cache": f"{found.location}  ({state})",
        "entries": f"{found.entries}  ({_size(found.size_bytes)})",
        "oldest / newest": f"{_ago(found.oldest)} / {_ago(found.newest)}",
        "TTL": f"{found.ttl_hours:g} h (older entries are not served)",
    }
    if found.last_run_id is not None:
        rows["latest run"] = (
            f"{found.last_run_id}: {found.last_run_hits} answers from the cache, {found.last_run_misses} calls"
        )
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        out.print(f"{key:<{width}}  {value}", highlight=False)


@cache_app.command("clear")
@guarded
def clear(
    older_than: Annotated[
        float | None, typer.Option("--older-than", metavar="HOURS", help="Only entries older than this", min=0)
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", metavar="PROVIDER/MODEL", help="Only this model, e.g. openai/gpt-4o")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Delete cached answers (all of them, or the old ones, or one model's); stored run results are kept."""
    prepare_environment(config)
    from llmbench.config import load_config
    from llmbench.store import clear_cache

    if model is not None and "/" not in model:
        fail(f"--model {model!r}: name a provider/model as shown in results, e.g. openai/gpt-4o-mini")
    removed = clear_cache(load_config().store_url(), older_than_hours=older_than, model=model)
    out.print(f"removed {removed} cached answer{'s' if removed != 1 else ''}", highlight=False)


@cache_app.command("runs")
@guarded
def runs(
    limit: Annotated[int, typer.Option(help="How many, newest first", min=1, max=1000)] = 20,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Runs in the result store: id (for `bench --resume`), status and pairs stored."""
    prepare_environment(config)
    from llmbench.config import load_config
    from llmbench.store import open_run_store

    store = open_run_store(load_config().store_url())
    records = store.list_runs(limit)
    rows = [
        {
            "run_id": r.run_id,
            "status": r.status.value,
            "stored": store.count_results(r.run_id),
            "pairs": r.n_pairs,
            "name": r.name,
            "models": len(r.spec.models),
            "items": r.spec.n_items,
            "updated_at": r.updated_at,
        }
        for r in records
    ]
    if json_output:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if not rows:
        out.print(f"no runs in the result store {store.location}", highlight=False)
        return
    out.print(f"{'run':<16} {'status':<12} {'stored':>13}  {'updated':<14} benchmark", highlight=False)
    for row in rows:
        stored = f"{row['stored']}/{row['pairs']}"
        what = f"{row['name']} · {row['models']} models × {row['items']} items"
        out.print(
            f"{row['run_id']:<16} {row['status']:<12} {stored:>13}  {_ago(float(row['updated_at'])):<14} {what}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache", rich_help_panel=PANEL)
