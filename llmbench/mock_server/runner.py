"""Running the mock server: in a background thread for tests (``MockServer``) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

from aiohttp import web

from llmbench.mock_server.app import create_app
from llmbench.mock_server.config import MockServerConfig
from llmbench.mock_server.state import STATE_KEY, RequestLog, ServerState

__all__ = ["MockServer", "run_mock_server"]

_START_TIMEOUT_S = 10.0
_SHUTDOWN_TIMEOUT_S = 0.5  # in-flight handlers (e.g. a 30 s ``timeout`` fault) are cancelled after this


class MockServer:
    """The mock server on its own event loop in a daemon thread; ``with`` or ``async with`` starts and stops it.

    ``port=0`` picks a free port; ``url`` is known once started.
    """

    def __init__(self, config: MockServerConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or MockServerConfig()
        self.host = host
        self.port = port
        self._app = create_app(self.config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def _state(self) -> ServerState:
        return self._app[STATE_KEY]

    @property
    def url(self) -> str:
        if self._thread is None:
            raise RuntimeError("MockServer is not running; use it as a context manager")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def ollama_base_url(self) -> str:
        return self.url

    @property
    def requests(self) -> RequestLog:
        """Every request received so far (header names only, plus ``x-mock-*`` values)."""
        return self._state.requests

    @property
    def max_in_flight(self) -> int:
        """The most requests handled at the same time since the start."""
        return self._state.max_in_flight

    @property
    def connections(self) -> int:
        """Distinct TCP connections clients opened since the start."""
        return self._state.connections

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("MockServer already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready: asyncio.Future[None] = self._loop.create_future()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name="llmbench-mock-server", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(_wait(ready), self._loop).result(_START_TIMEOUT_S)

    def _serve(self, sock: socket.socket, ready: asyncio.Future[None]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)

        async def setup() -> None:
            try:
                # handler_cancellation: a client that hangs up cancels its handler, as on a real server.
                self._runner = web.AppRunner(
                    self._app, handler_cancellation=True, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT_S
                )
                await self._runner.setup()
                await web.SockSite(self._runner, sock).start()
            except BaseException as exc:
                ready.set_exception(exc)
                raise
            ready.set_result(None)

        loop.create_task(setup())
        try:
            loop.run_forever()
        finally:
            loop.close()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        loop = self._loop
        if self._runner is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(_START_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(_START_TIMEOUT_S)
        self._thread = None
        self._runner = None

    def __enter__(self) -> MockServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockServer:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


async def _wait(future: asyncio.Future[None]) -> None:
    await future


def run_mock_server(host: str, port: int, config: MockServerConfig | None = None) -> None:
    """Serve in the foreground until interrupted (``llmbench mock-server``)."""
    config = config or MockServerConfig()
    url = f"http://{host}:{port}"

    def announce(_: str) -> None:
        names = ", ".join(m.name for m in config.models)
        print(
            f"llmbench mock server on {url} (OpenAI base URL {url}/v1, Anthropic and Ollama {url}); models: {names}",
            flush=True,
        )
        print("Press Ctrl+C to stop.", flush=True)

    web.run_app(create_app(config), host=host, port=port, print=announce, handler_cancellation=True, access_log=None)
