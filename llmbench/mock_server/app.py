"""The aiohttp application: every route of the three protocols, plus request recording."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from llmbench.mock_server import anthropic_routes, ollama_routes, openai_routes
from llmbench.mock_server.config import MockServerConfig
from llmbench.mock_server.state import STATE_KEY, ServerState

__all__ = ["create_app"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _model_of(request: web.Request) -> str | None:
    if request.method != "POST" or not request.can_read_body:
        return None
    try:
        body = json.loads(await request.read())  # aiohttp caches the body, so the handler can read it again
    except (ValueError, UnicodeDecodeError):
        return None
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


@web.middleware
async def _track(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record the request and count it as in flight until its response (or stream) has ended."""
    state = request.app[STATE_KEY]
    state.record(request, await _model_of(request))
    state.enter()
    try:
        return await handler(request)
    finally:
        state.leave()


async def _models(request: web.Request) -> web.StreamResponse:
    """``GET /v1/models`` exists in both APIs; the ``anthropic-version`` header says which one is asked."""
    if anthropic_routes.VERSION_HEADER in request.headers:
        return await anthropic_routes.list_models(request)
    return await openai_routes.list_models(request)


def create_app(config: MockServerConfig | None = None) -> web.Application:
    """A fresh app serving ``config`` (default models when None); each app has its own counters and log."""
    app = web.Application(middlewares=[_track])
    app[STATE_KEY] = ServerState(config or MockServerConfig())
    app.router.add_post("/v1/chat/completions", openai_routes.chat_completions)
    app.router.add_get("/v1/models", _models)
    app.router.add_get("/v1/models/{model}", openai_routes.get_model)
    app.router.add_post("/v1/messages", anthropic_routes.messages)
    app.router.add_post("/api/chat", ollama_routes.chat)
    app.router.add_get("/api/tags", ollama_routes.tags)
    app.router.add_get("/api/version", ollama_routes.version)
    return app
