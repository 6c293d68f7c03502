"""Ollama's native ``/api/chat``: exact token counts and server timings that the OpenAI-compatible route hides.

``stream`` is always sent because Ollama streams NDJSON unless told otherwise. A local model has no implicit
price: cost stays unknown unless the config declares one (``price = {input_per_mtok = 0, ...}``).
"""

from __future__ import annotations

import time
from typing import Any

from llmbench.errors import NetworkError
from llmbench.providers.http import (
    HTTPProvider,
    elapsed_ms,
    estimate_input_tokens,
    estimate_tokens,
    expect_protocol,
    iter_ndjson,
)
from llmbench.types import Completion, GenerateRequest, Usage

__all__ = ["DEFAULT_OLLAMA_BASE_URL", "OllamaProvider"]

DEFAULT_OLLAMA_BASE_URL = "http://localhost:11434"
_PATH = "/api/chat"
#: Ollama's duration fields (nanoseconds) and the Completion.timings keys (milliseconds) they become.
_TIMINGS = {
    "total_duration": "total_ms",
    "load_duration": "load_ms",
    "prompt_eval_duration": "prompt_eval_ms",
    "eval_duration": "eval_ms",
}


class OllamaProvider(HTTPProvider):
    """``POST {base_url}/api/chat``; a key is sent as Bearer only when configured (e.g. behind a proxy)."""

    default_base_url = DEFAULT_OLLAMA_BASE_URL

    def _payload(self, request: GenerateRequest) -> dict[str, Any]:
        cfg = self.config
        options: dict[str, Any] = {"temperature": cfg.temperature, "top_p": cfg.top_p, "num_predict": cfg.max_tokens}
        if cfg.stop:
            options["stop"] = cfg.stop
        payload: dict[str, Any] = {
            "model": cfg.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": cfg.stream,
            "options": options,
        }
        if request.response_schema is not None:
            payload["format"] = request.response_schema.json_schema  # Ollama >= 0.5 takes a JSON schema here
        return payload

    async def generate(self, request: GenerateRequest) -> Completion:
        started = time.perf_counter()
        if self.config.stream:
            return await self._generate_stream(request, started)
        body = await self.post_json(_PATH, self._payload(request))
        with expect_protocol(self.model_id, "chat response"):
            if body.get("done") is not True:
                raise ValueError("done is not true")
            text = body["message"]["content"]
            return self._completion(body, text, request, started, ttft_ms=None)

    async def _generate_stream(self, request: GenerateRequest, started: float) -> Completion:
        parts: list[str] = []
        ttft_ms: float | None = None
        final: Any = None
        async with self.post_stream(_PATH, self._payload(request)) as response:
            async for line in iter_ndjson(response, self.model_id):
                if (detail := type(self).parse_error(line)) is not None:
                    self.raise_body_error(detail)
                with expect_protocol(self.model_id, "stream line"):
                    content = (line.get("message") or {}).get("content") or ""
                    if content:
                        if ttft_ms is None:
                            ttft_ms = elapsed_ms(started)
                        parts.append(content)
                    if line.get("done") is True:
                        final = line
                        break
        if final is None:
            raise NetworkError("stream ended before done:true", model=self.model_id)
        with expect_protocol(self.model_id, "final stream line"):
            return self._completion(final, "".join(parts), request, started, ttft_ms=ttft_ms)

    def _completion(
        self, final: dict[str, Any], text: str, request: GenerateRequest, started: float, ttft_ms: float | None
    ) -> Completion:
        prompt, generated = final.get("prompt_eval_count"), final.get("eval_count")
        # Ollama omits prompt_eval_count when the whole prompt came from its cache; then both are estimated.
        if prompt is None or generated is None:
            usage = Usage(
                input_tokens=estimate_input_tokens(request.messages),
                output_tokens=estimate_tokens(text),
                estimated=True,
            )
        else:
            usage = Usage(input_tokens=int(prompt), output_tokens=int(generated))
        return Completion(
            text=text,
            usage=usage,
            latency_ms=elapsed_ms(started),
            ttft_ms=ttft_ms,
            finish_reason=final.get("done_reason"),
            served_model=final.get("model"),
            timings={ms: float(final[ns]) / 1e6 for ns, ms in _TIMINGS.items() if final.get(ns) is not None},
        )
