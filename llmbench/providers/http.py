"""The HTTP layer every remote provider shares: one client, one error mapping, SSE and NDJSON readers.

Why an aiohttp transport: plain httpx 0.28 (httpcore 1.0.9) burns CPU in pool bookkeeping above ~20 requests in
flight (1000 calls of 100 ms at concurrency 50 took 8x the ideal); ``httpx_aiohttp.AiohttpTransport`` keeps the
httpx API and stays near the ideal. The client never retries: :mod:`llmbench.execution` owns retries, so a failure
is mapped once, by :func:`raise_for_status` and :func:`map_transport_errors`, into the
:mod:`llmbench.errors` tree. Error messages carry the server's message (truncated), never headers or the key.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, NoReturn

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport, HttpxAiohttpClient
from pydantic import SecretStr

from llmbench.errors import (
    AuthenticationError,
    ContextLengthExceeded,
    InvalidRequestError,
    MalformedResponse,
    ModelNotFoundError,
    NetworkError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
)
from llmbench.providers.base import Provider
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
_MAX_MESSAGE_CHARS = 300

#: How OpenAI ("context_length_exceeded", "maximum context length"), Anthropic ("prompt is too long", "exceed
#: context limit") and Ollama/vLLM ("exceeds the context length/window") word a prompt that does not fit.
_CONTEXT_LENGTH_SIGNALS = re.compile(
    r"context[_ ](?:length|window|limit)|maximum context|prompt is too long|too many (?:input )?tokens",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ErrorDetail:
    """What a vendor's error body says: a human message and its machine type/code when given."""

    message: str
    type: str | None = None
    code: str | None = None


#: A per-vendor hook turning a decoded error body into an :class:`ErrorDetail` (None when it has no error).
ErrorParser = Callable[[Any], ErrorDetail | None]


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
        # retries=0: the transport must not hide failures the runner's retry policy decides on.
        transport = AiohttpTransport(limits=limits, retries=0)
    return HttpxAiohttpClient(
        base_url=base_url.rstrip("/"),
        headers=config.headers,
        timeout=timeout,
        limits=limits,
        transport=transport,
        follow_redirects=False,
    )


# ---------------------------------------------------------------------------------------------------- errors


def _truncate(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def parse_error_body(body: Any) -> ErrorDetail | None:
    """Generic hook for the three shapes met in practice.

    OpenAI ``{"error": {"message", "type", "code"}}``, Anthropic ``{"type": "error", "error": {"type",
    "message"}}`` and Ollama ``{"error": "message"}``.
    """
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return ErrorDetail(message=error)
    if isinstance(error, Mapping):
        code = error.get("code")
        return ErrorDetail(
            message=str(error.get("message") or error.get("type") or "unknown error"),
            type=str(error["type"]) if error.get("type") is not None else None,
            code=str(code) if code is not None else None,
        )
    if body.get("type") == "error":
        return ErrorDetail(message="unknown error")
    return None


def parse_retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date; None if absent."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _detail(response: httpx.Response, parse_error: ErrorParser) -> ErrorDetail:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    detail = parse_error(body) if body is not None else None
    if detail is None:
        text = response.content.decode("utf-8", "replace").strip()
        detail = ErrorDetail(message=text or response.reason_phrase or "no body")
    return detail


def raise_for_status(
    response: httpx.Response,
    model: str,
    *,
    parse_error: ErrorParser = parse_error_body,
    secrets: Sequence[str] = (),
) -> None:
    """Raise the :mod:`llmbench.errors` class for a failed status; the body must already be read."""
    status = response.status_code
    if status < 300:
        return
    detail = _detail(response, parse_error)
    message = f"HTTP {status}: {_truncate(_redact(detail.message, secrets))}"
    signals = " ".join(filter(None, (detail.message, detail.type, detail.code)))
    error: ProviderError
    if status in (401, 403):
        error = AuthenticationError(f"{message} (check the API key)", model=model, status_code=status)
    elif status == 404:
        error = ModelNotFoundError(f"{message} (check the model name and base_url)", model=model, status_code=status)
    elif status == 429 and "insufficient_quota" in signals:
        # OpenAI's billing 429: waiting does not help, so it must not be retried like a rate limit.
        error = InvalidRequestError(f"{message} (quota exhausted)", model=model, status_code=status)
    elif status == 429:
        error = RateLimitError(message, model=model, status_code=status, retry_after=parse_retry_after(response.headers))
    elif status == 408:
        error = ProviderTimeout(message, model=model, status_code=status)
    elif status in (400, 413, 422) and _CONTEXT_LENGTH_SIGNALS.search(signals):
        error = ContextLengthExceeded(message, model=model, status_code=status)
    elif 400 <= status < 500:
        error = InvalidRequestError(message, model=model, status_code=status)
    elif status >= 500:
        error = ServerError(message, model=model, status_code=status)
    else:
        error = InvalidRequestError(f"{message} (unexpected redirect; check base_url)", model=model, status_code=status)
    raise error


def raise_body_error(detail: ErrorDetail, model: str, secrets: Sequence[str] = ()) -> NoReturn:
    """An error object inside a successful response or a stream: the server failed mid-way."""
    raise ServerError(f"error in response body: {_truncate(_redact(detail.message, secrets))}", model=model)


@contextmanager
def map_transport_errors(model: str) -> Iterator[None]:
    """Turn httpx/aiohttp/socket failures into ProviderTimeout or NetworkError.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` (a refused or dropped connection too) to
    ``httpx.ConnectTimeout``, so the aiohttp cause is checked first to tell a timeout from a drop.
    """
    try:
        yield
    except httpx.HTTPError as error:
        cause = error.__cause__
        if isinstance(cause, TimeoutError) or (cause is None and isinstance(error, httpx.TimeoutException)):
            raise ProviderTimeout(f"timed out: {type(cause or error).__name__}", model=model) from error
        if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
            raise InvalidRequestError(f"bad base_url: {_truncate(str(error))}", model=model) from error
        if isinstance(error, httpx.DecodingError):
            raise MalformedResponse(f"undecodable body: {_truncate(str(error))}", model=model) from error
        if isinstance(cause, aiohttp.ClientError) or isinstance(error, httpx.TransportError):
            what = type(cause or error).__name__
            raise NetworkError(f"connection failed or dropped ({what}): {_truncate(str(error))}", model=model) from error
        raise NetworkError(f"HTTP failure ({type(error).__name__})", model=model) from error
    except TimeoutError as error:
        raise ProviderTimeout(f"timed out: {type(error).__name__}", model=model) from error
    except (aiohttp.ClientError, OSError) as error:
        raise NetworkError(f"connection failed or dropped ({type(error).__name__})", model=model) from error


@contextmanager
def expect_protocol(model: str, what: str) -> Iterator[None]:
    """Missing fields or wrong types while reading a body become :class:`MalformedResponse`."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
        raise MalformedResponse(f"{what} does not follow the protocol ({type(error).__name__}: {error})", model=model)


def parse_json(content: bytes | str, model: str) -> Any:
    """Decode a JSON body or raise :class:`MalformedResponse` quoting its start."""
    try:
        return json.loads(content)
    except ValueError as error:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        raise MalformedResponse(f"invalid JSON ({error.msg}): {_truncate(text, 120)!r}", model=model) from error


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
