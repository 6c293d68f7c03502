"""Mapping HTTP failures into the :mod:`llmbench.errors` tree, in one place for every provider.

:func:`raise_for_status` handles statuses (with a per-vendor hook to read error bodies),
:func:`map_transport_errors` handles sockets, timeouts and drops, and :func:`expect_protocol` /
:func:`parse_json` handle bodies that do not follow the protocol. Messages carry the server's message,
truncated, with any known secret redacted; never headers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn

import aiohttp
import httpx

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

__all__ = [
    "ErrorDetail",
    "ErrorParser",
    "expect_protocol",
    "map_transport_errors",
    "parse_error_body",
    "parse_json",
    "parse_retry_after",
    "raise_body_error",
    "raise_for_status",
]

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
        error = RateLimitError(
            message, model=model, status_code=status, retry_after=parse_retry_after(response.headers)
        )
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
            raise NetworkError(
                f"connection failed or dropped ({what}): {_truncate(str(error))}", model=model
            ) from error
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
        detail = f"{type(error).__name__}: {_truncate(str(error), 120)}"
        raise MalformedResponse(f"{what} does not follow the protocol ({detail})", model=model) from error


def parse_json(content: bytes | str, model: str) -> Any:
    """Decode a JSON body or raise :class:`MalformedResponse` quoting its start."""
    try:
        return json.loads(content)
    except ValueError as error:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        raise MalformedResponse(
            f"invalid JSON ({getattr(error, 'msg', error)}): {_truncate(text, 120)!r}", model=model
        ) from error
