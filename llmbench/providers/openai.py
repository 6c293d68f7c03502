"""OpenAI-compatible chat completions (OpenAI itself, vLLM, LiteLLM, llama.cpp server, the mock server...).

Only the wire format lives here; the client, key handling and error mapping are shared in
:mod:`llmbench.providers.http`. When a server reports no usage, tokens are estimated (``usage.estimated``).
A request's ``response_schema`` becomes ``response_format`` of type ``json_schema`` (structured outputs).
"""

from __future__ import annotations

import time
from typing import Any

from llmbench.errors import EmptyResponse, NetworkError
from llmbench.providers.http import (
    HTTPProvider,
    elapsed_ms,
    estimate_input_tokens,
    estimate_tokens,
    expect_protocol,
    iter_sse,
    parse_json,
)
from llmbench.types import Completion, GenerateRequest, Usage

__all__ = ["DEFAULT_OPENAI_BASE_URL", "OpenAIProvider"]

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
_PATH = "/chat/completions"


class OpenAIProvider(HTTPProvider):
    """``POST {base_url}/chat/completions`` with a Bearer key; SSE streaming when ``config.stream``."""

    default_base_url = DEFAULT_OPENAI_BASE_URL
    default_api_key_env = "OPENAI_API_KEY"

    def _payload(self, request: GenerateRequest) -> dict[str, Any]:
        cfg = self.config
        payload: dict[str, Any] = {
            "model": cfg.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": cfg.temperature,
            "top_p": cfg.top_p,
            "max_tokens": cfg.max_tokens,
            "stream": cfg.stream,
        }
        if cfg.stop:
            payload["stop"] = cfg.stop
        if cfg.stream:
            payload["stream_options"] = {"include_usage": True}
        if (schema := request.response_schema) is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.name, "schema": schema.json_schema, "strict": schema.strict},
            }
        return payload

    async def generate(self, request: GenerateRequest) -> Completion:
        started = time.perf_counter()
        if self.config.stream:
            return await self._generate_stream(request, started)
        body = await self.post_json(_PATH, self._payload(request))
        with expect_protocol(self.model_id, "chat completion"):
            if body["choices"] == []:
                raise EmptyResponse("chat completion with no choice", model=self.model_id)
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
            if not isinstance(text, str):
                raise TypeError("message.content is not a string")
            return Completion(
                text=text,
                usage=_usage(body.get("usage"), request, text),
                latency_ms=elapsed_ms(started),
                finish_reason=choice.get("finish_reason"),
                served_model=body.get("model"),
            )

    async def _generate_stream(self, request: GenerateRequest, started: float) -> Completion:
        parts: list[str] = []
        ttft_ms: float | None = None
        finish_reason: str | None = None
        served_model: str | None = None
        raw_usage: Any = None
        done = False
        async with self.post_stream(_PATH, self._payload(request)) as response:
            async for event in iter_sse(response):
                if event.data.strip() == "[DONE]":
                    done = True
                    break
                chunk = parse_json(event.data, self.model_id)
                if (detail := type(self).parse_error(chunk)) is not None:
                    self.raise_body_error(detail)
                with expect_protocol(self.model_id, "stream chunk"):
                    served_model = chunk.get("model") or served_model
                    raw_usage = chunk.get("usage") or raw_usage
                    for choice in chunk.get("choices") or ():
                        if choice.get("index", 0) != 0:
                            continue
                        content = (choice.get("delta") or {}).get("content")
                        if content:
                            if ttft_ms is None:
                                ttft_ms = elapsed_ms(started)
                            parts.append(content)
                        finish_reason = choice.get("finish_reason") or finish_reason
        if not done:
            # A truncated answer must never pass for a complete one; the runner retries NetworkError.
            raise NetworkError("stream ended before [DONE]", model=self.model_id)
        text = "".join(parts)
        with expect_protocol(self.model_id, "stream usage"):
            usage = _usage(raw_usage, request, text)
        return Completion(
            text=text,
            usage=usage,
            latency_ms=elapsed_ms(started),
            ttft_ms=ttft_ms,
            finish_reason=finish_reason,
            served_model=served_model,
        )


def _usage(raw: Any, request: GenerateRequest, text: str) -> Usage:
    """The server's counts (``prompt_tokens`` includes cached ones), else the documented estimate."""
    if not raw:
        return Usage(
            input_tokens=estimate_input_tokens(request.messages), output_tokens=estimate_tokens(text), estimated=True
        )
    details = raw.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(raw["prompt_tokens"]),
        output_tokens=int(raw["completion_tokens"]),
        cached_input_tokens=int(details.get("cached_tokens") or 0),
    )
