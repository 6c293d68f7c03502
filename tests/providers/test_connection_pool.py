"""Providers calling one endpoint from one event loop share their connections."""

from __future__ import annotations

import asyncio

from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.providers import create_provider
from llmbench.types import ChatMessage, DatasetItem, GenerateRequest, ModelConfig

REQUEST = GenerateRequest(messages=[ChatMessage(role="user", content="Name a river.")])
ITEMS = [DatasetItem(id=f"r{i}", prompt=f"Name river number {i}.") for i in range(40)]


def test_ten_models_on_one_endpoint_open_no_more_connections_than_calls_in_flight() -> None:
    with MockServer(MockServerConfig()) as server:
        models = [
            ModelConfig(provider="openai", model="gpt-mock-mini", base_url=server.openai_base_url, temperature=t / 10)
            for t in range(10)
        ]

        async def go() -> None:
            semaphore = asyncio.Semaphore(8)
            runners = [ModelRunner(m, semaphore=semaphore, policy=RetryPolicy()) for m in models]
            results = await asyncio.gather(*(r.run(ITEMS) for r in runners))
            assert all(row.success for rows in results for row in rows)

        asyncio.run(go())
        assert server.connections <= 8  # one pool for the ten models, not up to 8 connections each


def test_closing_one_provider_leaves_the_shared_pool_to_the_others() -> None:
    with MockServer(MockServerConfig()) as server:
        config = ModelConfig(provider="openai", model="gpt-mock-mini", base_url=server.openai_base_url)

        async def go() -> None:
            first, second = create_provider(config), create_provider(config)
            await asyncio.gather(first.generate(REQUEST), second.generate(REQUEST))
            await first.aclose()
            assert (await second.generate(REQUEST)).text  # still served by the pool
            await second.aclose()
            third = create_provider(config)  # a new pool once the last user closed the old one
            assert (await third.generate(REQUEST)).text
            await third.aclose()

        asyncio.run(go())
        asyncio.run(go())  # another event loop gets its own pool
