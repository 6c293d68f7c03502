"""The HTTP layer every remote provider shares: one client, one error mapping, SSE and NDJSON readers.

Why an aiohttp transport: plain httpx 0.28 (httpcore 1.0.9) burns CPU in pool bookkeeping above ~20 requests in
flight (8x the ideal in STACK-NOTES; 1.7-1.9x and 1.2 ms CPU per call in ``benchmarks/transport.py``), while
``httpx_aiohttp.AiohttpTransport`` keeps the httpx API at 1.2-1.3x and 0.5 ms CPU per call.
The client never retries: :mod:`llmbench.execution` owns retries, so a failure is mapped once into the
:mod:`llmbench.errors` tree by :mod:`llmbench.providers.http_errors`, whose names are re-exported here so
providers import one module.
"""

from __future__ import annotations

import functools
import math
import os
import ssl
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import httpx
from httpx_aiohttp import HttpxAiohttpClient
from pydantic import SecretStr

from llmbench.errors import AuthenticationError
from llmbench.providers.base import Provider
from llmbench.providers.http_errors import (
    ErrorDetail,
    ErrorParser,
    expect_protocol,
    map_transport_errors,
    parse_error_body,
    parse_json,
    parse_retry_after,
    raise_body_error,
    raise_for_status,
)
from llmbench.providers.pool import SharedPoolTransport
from llmbench.types import ChatMessage, ModelConfig

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_READ_TIMEOUT_SECONDS",
    "ErrorDetail",
    "ErrorParser",
    "HTTPProvider",
    "SSEEvent",
    "build_client",
    "elapsed_ms",
    "estimate_input_tokens",
    "estimate_tokens",
    "expect_protocol",
    "iter_ndjson",
    "iter_sse",
    "map_transport_errors",
    "parse_error_body",
    "parse_json",
    "parse_retry_after",
    "raise_body_error",
    "raise_for_status",
    "resolve_api_key",
]

#: Pool size. The runner's semaphore is the real limit of calls in flight, so the pool is sized to the highest
#: concurrency a comparison allows (``ComparisonConfig.concurrency_limit`` <= 1000) and never queues a call.
DEFAULT_MAX_CONNECTIONS = 1000
#: Idle time allowed between two reads when the config sets no timeout; the runner enforces the call deadline.
DEFAULT_READ_TIMEOUT_SECONDS = 600.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
#: Heuristic when a server reports no usage: ~4 characters per token for English text (OpenAI's rule of thumb;
#: tiktoken needs to download its encodings, which these machines cannot do).
CHARS_PER_TOKEN = 4
#: Tokens of chat framing per message (role markers), as in OpenAI's token-counting cookbook.
_TOKENS_PER_MESSAGE = 4


def resolve_api_key(config: ModelConfig, default_env: str | None = None) -> SecretStr | None:
    """The key from the config, else from the env var it names, else from the provider's usual env var.

    A variable the config names but the environment lacks is an :class:`AuthenticationError` naming the
    variable (never a value); an unset provider default just means "send no key" (local servers need none).
    """
    if config.api_key is not None:
        return config.api_key
    if config.api_key_env:
        value = os.environ.get(config.api_key_env)
        if not value:
            raise AuthenticationError(
                f"environment variable {config.api_key_env} is not set; export it or change api_key_env",
                model=config.identifier,
            )
        return SecretStr(value)
    if default_env and (value := os.environ.get(default_env)):
        return SecretStr(value)
    return None


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """One verifying SSL context per process: loading the CA bundle takes ~45 ms, which every provider (one per
    model and run) paid on the event loop before its first call. An SSLContext is safe to share."""
    return httpx.create_ssl_context()


def build_client(
    config: ModelConfig,
    base_url: str,
    *,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One client per provider instance on the aiohttp transport, with no retries and the config's timeout."""
    read = config.timeout_seconds or DEFAULT_READ_TIMEOUT_SECONDS
    timeout = httpx.Timeout(read, connect=min(read, DEFAULT_CONNECT_TIMEOUT_SECONDS))
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30.0
    )
    if transport is None:
        # No retries in the transport: it must not hide failures the runner's retry policy decides on.
        transport = SharedPoolTransport(base_url, limits, _default_ssl_context())
    return HttpxAiohttpClient(
        base_url=base_url.rstrip("/"),
        headers=config.headers,
        timeout=timeout,
        limits=limits,
        transport=transport,
        follow_redirects=False,
    )


# ---------------------------------------------------------------------------------------------------- streams


@dataclass(frozen=True)
class SSEEvent:
    """One server-sent event: its ``event:`` name (None when unnamed) and its joined ``data:`` lines."""

    event: str | None
    data: str


async def iter_sse(response: httpx.Response) -> AsyncIterator[SSEEvent]:
    """Events of a ``text/event-stream`` body, per the WHATWG rules providers follow (comments skipped)."""
    event: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data or event:
                yield SSEEvent(event=event, data="\n".join(data))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if data or event:
        yield SSEEvent(event=event, data="\n".join(data))


async def iter_ndjson(response: httpx.Response, model: str) -> AsyncIterator[Any]:
    """Objects of a newline-delimited JSON body; a line that is not JSON is a :class:`MalformedResponse`."""
    async for line in response.aiter_lines():
        if line.strip():
            yield parse_json(line, model)


# ---------------------------------------------------------------------------------------------------- tokens


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` by the ~4 characters per token rule (rounded up); used only when a server is silent."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_input_tokens(messages: Sequence[ChatMessage]) -> int:
    """Prompt tokens: each message's content plus a few tokens of chat framing, plus reply priming."""
    return sum(estimate_tokens(m.content) + _TOKENS_PER_MESSAGE for m in messages) + 3


# ---------------------------------------------------------------------------------------------------- provider


class HTTPProvider(Provider):
    """A provider speaking JSON over HTTP: owns the client, the key and the request/stream plumbing.

    Subclasses set :attr:`default_base_url`, build vendor headers in :meth:`auth_headers` and implement
    ``generate``. The client is created here but its aiohttp session opens on the first request, inside the
    running event loop, so a provider must be used (and closed) within one loop.
    """

    default_base_url: ClassVar[str]
    #: The env var a vendor's own SDK reads when the config names none (None: no implicit key).
    default_api_key_env: ClassVar[str | None] = None
    #: Per-vendor hook for error bodies.
    parse_error: ClassVar[ErrorParser] = staticmethod(parse_error_body)

    def __init__(
        self,
        config: ModelConfig,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config)
        self.model_id = config.identifier
        self.client = build_client(
            config, config.base_url or self.default_base_url, max_connections=max_connections, transport=transport
        )
        # The key stays a SecretStr on the instance (so no repr, vars() or log of it shows the value); the
        # plain value exists only in the headers of a request in flight.
        self._key: SecretStr | None = None
        self._key_resolved = False

    def auth_headers(self, key: SecretStr | None) -> dict[str, str]:
        """Vendor headers, including the key when there is one."""
        return {"Authorization": f"Bearer {key.get_secret_value()}"} if key is not None else {}

    def _request_headers(self) -> dict[str, str]:
        # Resolved on first use so a missing key fails the call (a failed result row), not the provider's creation.
        if not self._key_resolved:
            self._key = resolve_api_key(self.config, self.default_api_key_env)
            self._key_resolved = True
        return self.auth_headers(self._key)

    def _secrets(self) -> tuple[str, ...]:
        return (self._key.get_secret_value(),) if self._key is not None else ()

    def _raise_for_status(self, response: httpx.Response) -> None:
        raise_for_status(response, self.model_id, parse_error=type(self).parse_error, secrets=self._secrets())

    def raise_body_error(self, detail: ErrorDetail) -> NoReturn:
        """Raise the :class:`ServerError` for an error object found in a 200 body or a stream."""
        raise_body_error(detail, self.model_id, self._secrets())

    async def post_json(self, path: str, payload: Mapping[str, Any]) -> Any:
        """POST and return the decoded body; an error object inside a 200 is a :class:`ServerError`."""
        headers = self._request_headers()
        with map_transport_errors(self.model_id):
            response = await self.client.post(path, json=payload, headers=headers)
        self._raise_for_status(response)
        body = parse_json(response.content, self.model_id)
        detail = type(self).parse_error(body)
        if detail is not None:
            self.raise_body_error(detail)
        return body

    @asynccontextmanager
    async def post_stream(self, path: str, payload: Mapping[str, Any]) -> AsyncIterator[httpx.Response]:
        """POST and yield the open response once its status is good; reading it inside maps transport errors."""
        headers = self._request_headers()
        with map_transport_errors(self.model_id):
            async with self.client.stream("POST", path, json=payload, headers=headers) as response:
                if response.status_code >= 300:
                    await response.aread()
                    self._raise_for_status(response)
                yield response

    async def aclose(self) -> None:
        await self.client.aclose()


def elapsed_ms(started: float) -> float:
    """Milliseconds since a ``time.perf_counter()`` reading."""
    return (time.perf_counter() - started) * 1000
