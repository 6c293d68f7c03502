"""OpenAI protocol: ``POST /v1/chat/completions`` (JSON and SSE) and ``GET /v1/models``, errors included."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from aiohttp import web

from llmbench.mock_server.chat import ChatRequest, Reply, Vendor, message_text, paced, prepare, read_json, wait_latency
from llmbench.mock_server.config import FaultKind
from llmbench.mock_server.faults import abort_connection
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.mock_server.responses import STREAM_CUT_AFTER, json_reply, start_stream
from llmbench.mock_server.state import STATE_KEY

__all__ = ["chat_completions", "get_model", "list_models", "openai_error"]

SYSTEM_FINGERPRINT = "fp_llmbench_mock"
MODEL_CREATED = 1_700_000_000
_ERROR_BODY = {
    "error": {
        "message": "The server had an error processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_STATUS = {
    ProblemKind.AUTH: (401, "invalid_request_error", "invalid_api_key"),
    ProblemKind.NOT_FOUND: (404, "invalid_request_error", "model_not_found"),
    ProblemKind.RATE_LIMIT: (429, "requests", "rate_limit_exceeded"),
    ProblemKind.SERVER_ERROR: (500, "server_error", None),
    ProblemKind.UNAVAILABLE: (503, "server_error", None),
    ProblemKind.CONTEXT_LENGTH: (400, "invalid_request_error", "context_length_exceeded"),
    ProblemKind.BAD_REQUEST: (400, "invalid_request_error", None),
}


def _request_id() -> str:
    return f"req_{secrets.token_hex(16)}"


def openai_error(problem: Problem) -> web.Response:
    status, error_type, code = _STATUS[problem.kind]
    body = {
        "error": {"message": problem.message, "type": error_type, "param": problem.param, "code": problem.code or code}
    }
    headers = {"x-request-id": _request_id()}
    if problem.retry_after is not None:
        headers["Retry-After"] = problem.retry_after
    return web.json_response(body, status=status, headers=headers)


def _model_not_found(model: str) -> Problem:
    return Problem(
        ProblemKind.NOT_FOUND, f"The model `{model}` does not exist or you do not have access to it.", param="model"
    )


def _context_exceeded(model: str, window: int, prompt: int, max_tokens: int | None) -> Problem:
    requested = prompt + (max_tokens or 0)
    detail = f"{prompt} in the messages, {max_tokens} in the completion" if max_tokens else f"{prompt} in the messages"
    return Problem(
        ProblemKind.CONTEXT_LENGTH,
        f"This model's maximum context length is {window} tokens. However, you requested {requested} tokens "
        f"({detail}). Please reduce the length of the messages or completion.",
        param="messages",
    )


VENDOR = Vendor(model_not_found=_model_not_found, context_exceeded=_context_exceeded)


def check_auth(request: web.Request) -> None:
    key = request.app[STATE_KEY].config.require_api_key
    if key is None:
        return
    header = request.headers.get("Authorization", "")
    if not header:
        raise Problem(
            ProblemKind.AUTH,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    if not secrets.compare_digest(header.encode(), f"Bearer {key}".encode()):
        raise Problem(ProblemKind.AUTH, "Incorrect API key provided. You can find your API key in your account.")


def _max_tokens(body: dict[str, Any]) -> int | None:
    limits = []
    for field in ("max_completion_tokens", "max_tokens"):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise Problem(
                ProblemKind.BAD_REQUEST,
                f"Invalid '{field}': integer below minimum value. Expected a value >= 1, but got {value!r} instead.",
                param=field,
                code="integer_below_min_value",
            )
        limits.append(value)
    return min(limits) if limits else None


def parse_chat(body: dict[str, Any]) -> tuple[ChatRequest, bool]:
    """The chat request and whether usage is to be streamed (``stream_options.include_usage``)."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Problem(ProblemKind.BAD_REQUEST, "you must provide a model parameter", param="model")
    messages = body.get("messages")
    if messages is None:
        raise Problem(
            ProblemKind.BAD_REQUEST,
            "Missing required parameter: 'messages'.",
            param="messages",
            code="missing_required_parameter",
        )
    if not isinstance(messages, list) or not messages:
        raise Problem(
            ProblemKind.BAD_REQUEST,
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            param="messages",
            code="empty_array",
        )
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in _ROLES:
            raise Problem(
                ProblemKind.BAD_REQUEST,
                f"Invalid value: {role!r}. Supported values are: {', '.join(map(repr, _ROLES))}.",
                param=f"messages[{index}].role",
                code="invalid_value",
            )
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise Problem(ProblemKind.BAD_REQUEST, "Invalid type for 'stream': expected a boolean.", param="stream")
    options = body.get("stream_options")
    if options is not None and not stream:
        raise Problem(
            ProblemKind.BAD_REQUEST,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    texts = tuple(message_text(m.get("content")) for m in messages)
    users = [message_text(m.get("content")) for m in messages if m["role"] == "user"]
    last_user = users[-1] if users else texts[-1]
    chat = ChatRequest(model, texts, last_user, _max_tokens(body), stream, _response_schema(body))
    return chat, include_usage


def _response_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of ``response_format`` (type ``json_schema``); ``text`` and ``json_object`` carry none."""
    fmt = body.get("response_format")
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind in ("text", "json_object"):
        return None
    if kind != "json_schema":
        raise Problem(
            ProblemKind.BAD_REQUEST,
            f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object' and 'json_schema'.",
            param="response_format.type",
            code="invalid_value",
        )
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
        raise Problem(
            ProblemKind.BAD_REQUEST,
            "Missing required parameter: 'response_format.json_schema.name'.",
            param="response_format.json_schema.name",
            code="missing_required_parameter",
        )
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise Problem(
            ProblemKind.BAD_REQUEST,
            "Invalid 'response_format.json_schema.schema': expected an object.",
            param="response_format.json_schema.schema",
        )
    return schema


async def chat_completions(request: web.Request) -> web.StreamResponse:
    try:
        check_auth(request)
        chat, include_usage = parse_chat(await read_json(request))
        reply = await prepare(request, chat, VENDOR)
    except Problem as problem:
        return openai_error(problem)
    if chat.stream:
        return await _stream(request, reply, include_usage)
    await wait_latency(reply.model)
    return await _complete(request, reply)


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


async def _complete(request: web.Request, reply: Reply) -> web.StreamResponse:
    choices: list[dict[str, Any]] = [
        {
            "index": 0,
            "message": {"role": "assistant", "content": reply.text, "refusal": None},
            "logprobs": None,
            "finish_reason": "length" if reply.truncated else "stop",
        }
    ]
    body = {
        "id": f"chatcmpl-{secrets.token_hex(14)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model.name,
        "choices": [] if reply.has_fault(FaultKind.EMPTY) else choices,
        "usage": _usage(reply),
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    return await json_reply(request, reply, body, _ERROR_BODY, {"x-request-id": _request_id()})


async def _stream(request: web.Request, reply: Reply, include_usage: bool) -> web.StreamResponse:
    response = await start_stream(request, "text/event-stream; charset=utf-8", {"x-request-id": _request_id()})
    base = {
        "id": f"chatcmpl-{secrets.token_hex(14)}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": reply.model.name,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }

    async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
        chunk = {**base, "choices": choices, **({"usage": None} if include_usage else {}), **extra}
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

    def choice(delta: dict[str, Any], finish_reason: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]

    if reply.has_fault(FaultKind.EMPTY):  # a stream with no choice at all: only usage, then [DONE]
        await send([], usage=_usage(reply))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
    await send(choice({"role": "assistant", "content": "", "refusal": None}))
    if reply.has_fault(FaultKind.ERROR_BODY):
        await response.write(f"data: {json.dumps(_ERROR_BODY)}\n\n".encode())
        await response.write_eof()
        return response
    if reply.has_fault(FaultKind.MALFORMED):
        await response.write(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": \n\n')
    sent = 0
    async for piece in paced(reply.model, reply.text):
        await send(choice({"content": piece}))
        sent += 1
        if sent == STREAM_CUT_AFTER and reply.has_fault(FaultKind.STREAM_CUT):
            await abort_connection(request)
    if reply.has_fault(FaultKind.STREAM_CUT):
        await abort_connection(request)
    await send(choice({}, "length" if reply.truncated else "stop"))
    if include_usage:
        await send([], usage=_usage(reply))
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


async def list_models(request: web.Request) -> web.Response:
    try:
        check_auth(request)
    except Problem as problem:
        return openai_error(problem)
    models = request.app[STATE_KEY].config.models
    data = [{"id": m.name, "object": "model", "created": MODEL_CREATED, "owned_by": m.owned_by} for m in models]
    return web.json_response({"object": "list", "data": data})


async def get_model(request: web.Request) -> web.Response:
    try:
        check_auth(request)
        name = request.match_info["model"]
        model = request.app[STATE_KEY].config.model_named(name)
        if model is None:
            raise _model_not_found(name)
    except Problem as problem:
        return openai_error(problem)
    return web.json_response(
        {"id": model.name, "object": "model", "created": MODEL_CREATED, "owned_by": model.owned_by}
    )
