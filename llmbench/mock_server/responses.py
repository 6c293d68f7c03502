"""Sending a finished JSON answer the way the request's fault asks (error body, malformed, cut short)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from llmbench.mock_server.chat import Reply
from llmbench.mock_server.config import FaultKind
from llmbench.mock_server.faults import abort_connection

__all__ = ["STREAM_CUT_AFTER", "json_reply", "start_stream"]

STREAM_CUT_AFTER = 3  # content chunks sent before a stream_cut fault closes the connection


async def json_reply(
    request: web.Request,
    reply: Reply,
    body: dict[str, Any],
    error_body: dict[str, Any],
    headers: dict[str, str],
) -> web.StreamResponse:
    """``body`` as a 200 JSON response, or the faulty variant of it."""
    if reply.has_fault(FaultKind.ERROR_BODY):
        return web.json_response(error_body, headers=headers)
    data = json.dumps(body).encode()
    if reply.has_fault(FaultKind.MALFORMED):
        return web.Response(body=data[: len(data) // 2], content_type="application/json", headers=headers)
    if reply.has_fault(FaultKind.STREAM_CUT):
        response = web.StreamResponse(headers={**headers, "Content-Type": "application/json"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        await abort_connection(request)
    return web.Response(body=data, content_type="application/json", headers=headers)


async def start_stream(request: web.Request, content_type: str, headers: dict[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(headers={**headers, "Content-Type": content_type, "Cache-Control": "no-cache"})
    await response.prepare(request)
    return response
