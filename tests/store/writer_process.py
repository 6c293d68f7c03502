"""One writer of a shared run, started as a separate process by test_two_writers.py.

Usage: python writer_process.py URL RUN_ID FIRST LAST — runs items FIRST..LAST-1 of the shared item list.
"""

from __future__ import annotations

import asyncio
import sys

from llmbench.execution import ModelRunner
from llmbench.store import RunJournal, open_run_store
from llmbench.types import DatasetItem, ModelConfig, SimSpec

N_ITEMS = 300
ITEMS = [DatasetItem(id=f"q{i:03d}", prompt=f"Question {i}?", reference=f"Answer {i}.") for i in range(N_ITEMS)]
MODELS = [
    ModelConfig(provider="sim", model=f"w{k}", simulation=SimSpec(latency_ms=1, jitter=0, failure_rate=0.1, seed=k))
    for k in range(2)
]


async def main(url: str, run_id: str, first: int, last: int) -> None:
    store = open_run_store(url)
    journal = RunJournal(store, run_id)
    semaphore = asyncio.Semaphore(25)
    runners = [ModelRunner(m, semaphore=semaphore, journal=journal) for m in MODELS]
    await asyncio.gather(*(r.run(ITEMS[first:last]) for r in runners))
    store.db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
