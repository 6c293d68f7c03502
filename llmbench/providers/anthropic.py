"""Anthropic Messages API: the system prompt goes top-level and ``max_tokens`` is mandatory.

A request's ``response_schema`` becomes ``output_config.format`` (structured outputs, no beta header needed).

Only the wire format lives here; the client, key handling and error mapping are shared in
:mod:`llmbench.providers.http`.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import SecretStr

from llmbench.errors import NetworkError
from llmbench.providers.http import (
    ErrorDetail,
    HTTPProvider,
    elapsed_ms,
    estimate_input_tokens,
    estimate_tokens,
    expect_protocol,
    iter_sse,
    parse_json,
)
from llmbench.types import Completion, GenerateRequest, Usage

__all__ = ["ANTHROPIC_VERSION", "DEFAULT_ANTHROPIC_BASE_URL", "AnthropicProvider"]

DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
_PATH = "/v1/messages"


class AnthropicProvider(HTTPProvider):
    """``POST {base_url}/v1/messages`` with ``x-api-key``; SSE event streaming when ``config.stream``."""

    default_base_url = DEFAULT_ANTHROPIC_BASE_URL
    default_api_key_env = "ANTHROPIC_API_KEY"

    def auth_headers(self, key: SecretStr | None) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if key is not None:
            headers["x-api-key"] = key.get_secret_value()
        return headers

    def _payload(self, request: GenerateRequest) -> dict[str, Any]:
        cfg = self.config
        payload: dict[str, Any] = {
            "model": cfg.model,
            "max_tokens": cfg.max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
            "temperature": cfg.temperature,
            "stream": cfg.stream,
        }
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        if system:
            payload["system"] = system
        # Recent Claude models reject temperature and top_p together, so top_p goes only when it narrows.
        if cfg.top_p < 1.0:
            payload["top_p"] = cfg.top_p
        if cfg.stop:
            payload["stop_sequences"] = cfg.stop
        if (schema := request.response_schema) is not None:
            # Structured outputs (GA): the answer is one text block holding the JSON object.
            payload["output_config"] = {"format": {"type": "json_schema", "schema": schema.json_schema}}
        return payload

    async def generate(self, request: GenerateRequest) -> Completion:
        started = time.perf_counter()
        if self.config.stream:
            return await self._generate_stream(request, started)
        body = await self.post_json(_PATH, self._payload(request))
        with expect_protocol(self.model_id, "message"):
            text = "".join(block["text"] for block in body["content"] if block.get("type") == "text")
            return Completion(
                text=text,
                usage=_usage(body.get("usage"), request, text),
                latency_ms=elapsed_ms(started),
                finish_reason=body.get("stop_reason"),
                served_model=body.get("model"),
            )

    async def _generate_stream(self, request: GenerateRequest, started: float) -> Completion:
        parts: list[str] = []
        ttft_ms: float | None = None
        finish_reason: str | None = None
        served_model: str | None = None
        usage: dict[str, Any] = {}
        done = False
        async with self.post_stream(_PATH, self._payload(request)) as response:
            async for event in iter_sse(response):
                if not event.data:
                    continue
                data = parse_json(event.data, self.model_id)
                with expect_protocol(self.model_id, "stream event"):
                    kind = data.get("type") or event.event
                    if kind == "error":
                        self.raise_body_error(
                            type(self).parse_error(data) or ErrorDetail("error event without details")
                        )
                    elif kind == "message_start":
                        message = data["message"]
                        served_model = message.get("model")
                        usage.update(message.get("usage") or {})
                    elif kind == "content_block_delta":
                        delta = data["delta"]
                        if delta.get("type") == "text_delta" and delta.get("text"):
                            if ttft_ms is None:
                                ttft_ms = elapsed_ms(started)
                            parts.append(delta["text"])
                    elif kind == "message_delta":
                        finish_reason = data.get("delta", {}).get("stop_reason") or finish_reason
                        # Counts in message_delta are cumulative, so they replace those of message_start.
                        usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
                    elif kind == "message_stop":
                        done = True
                        break
        if not done:
            raise NetworkError("stream ended before message_stop", model=self.model_id)
        text = "".join(parts)
        with expect_protocol(self.model_id, "stream usage"):
            return Completion(
                text=text,
                usage=_usage(usage, request, text),
                latency_ms=elapsed_ms(started),
                ttft_ms=ttft_ms,
                finish_reason=finish_reason,
                served_model=served_model,
            )


def _usage(raw: Any, request: GenerateRequest, text: str) -> Usage:
    """Anthropic counts cache reads and writes apart from ``input_tokens``; llmbench's input is their sum.

    Cache writes are billed at a premium a :class:`~llmbench.types.Price` cannot express, so they are costed as
    ordinary input (an under-estimate only when prompt caching is used).
    """
    if not raw or raw.get("input_tokens") is None or raw.get("output_tokens") is None:
        return Usage(
            input_tokens=estimate_input_tokens(request.messages), output_tokens=estimate_tokens(text), estimated=True
        )
    cache_read = int(raw.get("cache_read_input_tokens") or 0)
    cache_write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(raw["input_tokens"]) + cache_read + cache_write,
        output_tokens=int(raw["output_tokens"]),
        cached_input_tokens=cache_read,
    )
