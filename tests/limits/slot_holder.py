"""A process that takes provider slots, started by test_slots_e2e.py (Prefect server from the environment).

Usage: python slot_holder.py hold|take PROVIDER LIMIT SLOTS WAIT_SECONDS
``hold`` prints HELD once the slots are held, then sleeps until killed; ``take`` prints TOOK <seconds> once it
held them, or the one-line error and exits 3 when it gave up.
"""

from __future__ import annotations

import asyncio
import sys
import time

from llmbench.errors import SlotWaitTimeout
from llmbench.store import open_slot_registry
from tasks.limits import hold_provider_slots, upsert_provider_limits


async def main(mode: str, provider: str, limit: int, slots: int, wait: float) -> int:
    await upsert_provider_limits({provider: limit})
    started = time.monotonic()
    try:
        async with hold_provider_slots({provider: slots}, open_slot_registry(), wait_seconds=wait, run_id=mode):
            if mode == "hold":
                print("HELD", flush=True)
                await asyncio.sleep(3600)
            print(f"TOOK {time.monotonic() - started:.2f}", flush=True)
    except SlotWaitTimeout as error:
        print(f"error: {error}", flush=True)
        return 3
    return 0


if __name__ == "__main__":
    mode, provider, limit, slots, wait = sys.argv[1:6]
    sys.exit(asyncio.run(main(mode, provider, int(limit), int(slots), float(wait))))
