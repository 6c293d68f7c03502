"""``limits show|reset``: the provider concurrency limits on the Prefect server, who holds their slots, and
freeing the slots of holders that died (a killed run frees nothing itself; the next run frees it too).
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from llmbench.cli._shared import ConfigOption, JsonOption, err, fail, guarded, out, prepare_environment

if TYPE_CHECKING:
    from llmbench.store import LimitStatus, SlotRegistry

__all__ = ["limits_app", "register"]

ORDER = 36
PANEL = "Store and limits"
_PREFIX = "llmbench-provider-"

limits_app = typer.Typer(
    no_args_is_help=True, help="Provider concurrency limits: their holders, and freeing stale ones."
)

NamesArgument = Annotated[
    list[str] | None, typer.Argument(metavar="[PROVIDER]...", help="Providers (openai) or limit names; default all")
]


def _registry(config_names: list[str] | None) -> tuple[SlotRegistry, list[str] | None]:
    """The slot registry of the configured store, and the limit names asked for; connects to Prefect (before
    anything imports Prefect, or it would start a temporary server of its own)."""
    from llmbench.config import load_config
    from llmbench.server import connect_prefect
    from llmbench.store import open_slot_registry

    registry = open_slot_registry(load_config().store_url())  # an unusable store fails before any server starts
    names = [n if n.startswith(_PREFIX) else _PREFIX + n for n in config_names] if config_names else None
    connect_prefect(on_start=lambda message: err.print(f"[dim]{message}[/dim]", highlight=False))
    return registry, names


def _check_known(names: list[str] | None, known: list[str]) -> None:
    missing = [n for n in names or [] if n not in known]
    if missing:
        fail(f"{missing[0].removeprefix(_PREFIX)}: no such limit (limits: {', '.join(known) or 'none yet'})")


def _holder_line(status: LimitStatus) -> list[str]:
    now = time.time()
    lines = []
    for h in status.holders:
        left = h.expires_at - now
        lease = f"lease expires in {left:.0f} s" if left >= 0 else f"lease expired {-left:.0f} s ago"
        state = "STALE" if h.stale() else "live"
        lines.append(f"  {state:<5} {h.slots} slot(s)  run {h.run_id or '-'}  pid {h.pid}@{h.host}  {lease}")
    return lines


@limits_app.command("show")
@guarded
def show(names: NamesArgument = None, json_output: JsonOption = False, config: ConfigOption = None) -> None:
    """Each provider limit: slots in use, holders (run, pid, lease expiry) and which are stale."""
    prepare_environment(config)
    import asyncio

    registry, wanted = _registry(names)  # first: Prefect reads PREFECT_API_URL once, when imported
    from tasks.limits import limits_status

    every = asyncio.run(limits_status(registry))
    _check_known(wanted, [s.name for s in every])
    shown = [s for s in every if wanted is None or s.name in wanted]
    if json_output:
        rows = [
            {**s.model_dump(), "stale": [h.lease_id for h in s.holders if h.stale()], "unaccounted": s.unaccounted}
            for s in shown
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if not shown:
        out.print("no provider limits yet (the first run, or `llmbench setup`, creates them)")
        return
    for s in shown:
        stale = sum(1 for h in s.holders if h.stale())
        orphans = max(0, s.active_slots - sum(h.slots for h in s.holders))  # held by no recorded holder at all
        extra = f", {stale} stale holder(s): `llmbench limits reset` frees them" if stale else ""
        extra += f", {orphans} slot(s) no holder accounts for (`limits reset --all`)" if orphans else ""
        out.print(f"{s.name}  {s.active_slots}/{s.limit} slots in use{extra}", highlight=False)
        for line in _holder_line(s):
            out.print(line, highlight=False)


@limits_app.command("reset")
@guarded
def reset(
    names: NamesArgument = None,
    all_slots: Annotated[
        bool,
        typer.Option(
            "--all", metavar="", help="Also free slots of live holders and unaccounted ones (set in use to 0)"
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Free the slots of stale holders (dead or no longer renewing); with --all, every slot of the limits."""
    prepare_environment(config)
    import asyncio

    registry, wanted = _registry(names)  # first: Prefect reads PREFECT_API_URL once, when imported
    from tasks.limits import limits_status, reset_limits

    _check_known(wanted, [s.name for s in asyncio.run(limits_status(registry))])
    for outcome in asyncio.run(reset_limits(registry, wanted, all_slots=all_slots)):
        out.print(
            f"{outcome.name}: freed {outcome.freed_holders} holder(s); slots in use "
            f"{outcome.slots_before} → {outcome.slots_after}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(limits_app, name="limits", rich_help_panel=PANEL)
