"""Provider slots never leak: against a real `prefect server start`, and against temporary servers.

A holder killed with SIGKILL must not block the next run (its lease is renewed every 15 s and expires after
60 s, but on its own host a dead process is noticed at once); a run waiting for slots gives up with one line;
`limits show` flags stale holders and `limits reset` frees them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings

from llmbench.errors import SlotWaitTimeout
from llmbench.store import SlotHolder, close_database, open_slot_registry
from tasks.execute import provider_limit_name
from tasks.limits import hold_provider_slots, limits_status, reset_limits, server_identity, upsert_provider_limits

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API") and k != "LLMBENCH_CONFIG"}
    env.update(
        PYTHONPATH=str(REPO),
        LLMBENCH_HOME=str(home),
        PREFECT_HOME=str(home / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real Prefect server on a free port in a temporary PREFECT_HOME, and a llmbench home for the registry."""
    home = tmp_path_factory.mktemp("slots")
    port = _free_port()
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"prefect server did not start; see {home}/server.log")
        yield url, home
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        close_database(f"sqlite:///{home}/store.db")


def _holder(mode: str, provider: str, limit: int, slots: int, wait: float, env: dict[str, str]) -> subprocess.Popen:
    args = [sys.executable, str(HERE / "slot_holder.py"), mode, provider, str(limit), str(slots), str(wait)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 120) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line and proc.poll() is not None:
            break
    pytest.fail(f"no {prefix!r} from the holder process (exit code {proc.poll()})")


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the holder and anything it started (a temporary Prefect server), then reap it."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_a_holder_killed_with_sigkill_does_not_block_the_next_run(server: tuple[str, Path]) -> None:
    url, home = server
    env = _env(home, PREFECT_API_URL=url)
    holder = _holder("hold", "killme", 3, 3, 30, env)
    _wait_for_line(holder, "HELD")
    _kill_group(holder)

    registry = open_slot_registry(f"sqlite:///{home}/store.db")
    with temporary_settings(updates={PREFECT_API_URL: url}):
        [status] = asyncio.run(limits_status(registry, [provider_limit_name("killme")]))
    assert (status.active_slots, status.limit) == (3, 3)
    assert [h.stale() for h in status.holders] == [True]  # `limits show` flags it

    taker = _holder("take", "killme", 3, 3, 30, env)
    took = float(_wait_for_line(taker, "TOOK").split()[1])
    assert taker.wait(30) == 0
    assert took < 60  # freed at once, well within the lease duration


def test_an_expired_holder_on_another_host_is_freed_through_its_lease(server: tuple[str, Path]) -> None:
    url, home = server
    registry = open_slot_registry(f"sqlite:///{home}/store.db")
    name = provider_limit_name("faraway")

    async def scenario() -> tuple[int, int]:
        await upsert_provider_limits({"faraway": 2})
        async with get_client() as client:
            response = await client.increment_concurrency_slots_with_lease([name], 2, "concurrency", 60)
            lease = response.json()["lease_id"]
            now = time.time()
            registry.add(
                SlotHolder(
                    lease_id=lease,
                    limit_name=name,
                    slots=2,
                    server=server_identity(client),
                    pid=1,
                    host="elsewhere",
                    acquired_at=now - 120,
                    expires_at=now - 1,
                )
            )
            before = (await client.read_global_concurrency_limit_by_name(name)).active_slots
        async with hold_provider_slots({"faraway": 2}, registry, wait_seconds=20), get_client() as client:
            during = (await client.read_global_concurrency_limit_by_name(name)).active_slots
        return before, during

    with temporary_settings(updates={PREFECT_API_URL: url}):
        before, during = asyncio.run(scenario())
    assert (before, during) == (2, 2)  # the expired holder's 2 slots were given back, then taken by us
    assert registry.holders(name) == []


def test_waiting_for_slots_gives_up_with_one_line(server: tuple[str, Path]) -> None:
    url, home = server
    registry = open_slot_registry(f"sqlite:///{home}/store.db")

    async def scenario() -> None:
        await upsert_provider_limits({"busy": 1})
        async with (
            hold_provider_slots({"busy": 1}, registry, run_id="first"),
            hold_provider_slots({"busy": 1}, registry, wait_seconds=1.5, run_id="second"),
        ):
            pytest.fail("got a slot that was taken")

    with temporary_settings(updates={PREFECT_API_URL: url}), pytest.raises(SlotWaitTimeout) as info:
        asyncio.run(scenario())
    message = str(info.value)
    assert "\n" not in message
    assert "slot(s) of llmbench-provider-busy: 1/1 in use, held by pid" in message and "run first" in message
    assert "llmbench limits reset llmbench-provider-busy" in message


def test_reset_frees_slots_no_holder_accounts_for(server: tuple[str, Path]) -> None:
    url, home = server
    registry = open_slot_registry(f"sqlite:///{home}/store.db")
    name = provider_limit_name("leaky")

    async def scenario() -> tuple[int, int, int]:
        await upsert_provider_limits({"leaky": 5})
        async with get_client() as client:
            await client.increment_concurrency_slots([name], 2, "concurrency")  # e.g. a server lost its leases
        [shown] = await limits_status(registry, [name])
        [plain] = await reset_limits(registry, [name])
        [forced] = await reset_limits(registry, [name], all_slots=True)
        return shown.unaccounted, plain.slots_after, forced.slots_after

    with temporary_settings(updates={PREFECT_API_URL: url}):
        unaccounted, after_plain, after_all = asyncio.run(scenario())
    assert (unaccounted, after_plain, after_all) == (2, 2, 0)


def test_a_killed_run_on_a_temporary_server_does_not_block_the_next(tmp_path: Path) -> None:
    """The issue's case: no PREFECT_API_URL, each process starts its own temporary server over one database;
    the killed holder's lease died with its server's memory and no server ever expires it."""
    env = _env(tmp_path)
    holder = _holder("hold", "temp", 2, 2, 60, env)
    _wait_for_line(holder, "HELD")
    _kill_group(holder)
    taker = _holder("take", "temp", 2, 2, 60, env)
    line = _wait_for_line(taker, "TOOK")
    assert taker.wait(60) == 0
    assert float(line.split()[1]) < 60
    close_database(f"sqlite:///{tmp_path}/store.db")
