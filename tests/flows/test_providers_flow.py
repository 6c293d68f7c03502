"""Real providers through the flow, against the local protocol server: ranking, prices, and a canary key that must
never reach MLflow, Prefect's database, artifacts or logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

from flows.compare import compare_models
from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.runs import CompareRequest
from llmbench.tracking import find_runs
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

CANARY = "sk-canary-7f3a9d1e5b2c4680"


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[MockServer]:
    with MockServer(MockServerConfig(require_api_key=CANARY)) as server:
        yield server


def _config(server: MockServer, key_source: str) -> str:
    return f"""
[models.gpt]
provider = "openai"
model = "gpt-mock-mini"
base_url = "{server.openai_base_url}"
{key_source}
price = {{ input_per_mtok = 0.15, output_per_mtok = 0.6 }}

[models.claude]
provider = "anthropic"
model = "claude-mock"
base_url = "{server.anthropic_base_url}"
stream = true
{key_source}
price = {{ input_per_mtok = 3.0, output_per_mtok = 15.0 }}

[models.llama]
provider = "ollama"
model = "llama-mock"
base_url = "{server.ollama_base_url}"
price = {{ input_per_mtok = 0, output_per_mtok = 0 }}

[models.unpriced]
provider = "openai"
model = "gpt-mock-large"
base_url = "{server.openai_base_url}"
{key_source}
"""


def _everything_stored(workspace: Path) -> bytes:
    blobs = [p.read_bytes() for p in workspace.rglob("*") if p.is_file()]
    return b"".join(blobs)


def test_openai_anthropic_and_ollama_ranked_through_the_flow_without_leaking_the_key(
    workspace: Path,
    keyed_server: MockServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LLMBENCH_CANARY_KEY", CANARY)
    write_config(workspace, _config(keyed_server, 'api_key_env = "LLMBENCH_CANARY_KEY"'))
    caplog.set_level(logging.DEBUG)
    request = CompareRequest(prompt="Why is the sky blue?", models=["gpt", "claude", "llama", "unpriced"])

    result = asyncio.run(compare_models(request))

    assert all(r.success for r in result.results), [r.error for r in result.results]
    assert {r.model for r in result.rankings} == {
        "openai/gpt-mock-mini",
        "anthropic/claude-mock",
        "ollama/llama-mock",
        "openai/gpt-mock-large",
    }
    by_model = {r.model: r for r in result.results}
    gpt = by_model["openai/gpt-mock-mini"]
    assert gpt.usage is not None and not gpt.usage.estimated
    assert gpt.cost_usd == pytest.approx((gpt.usage.input_tokens * 0.15 + gpt.usage.output_tokens * 0.6) / 1e6)
    assert by_model["ollama/llama-mock"].cost_usd == 0.0  # declared local price, not a default
    assert by_model["openai/gpt-mock-large"].cost_usd is None  # unknown price stays unknown
    assert by_model["anthropic/claude-mock"].ttft_ms is not None

    run = find_runs("llmbench-compare", tracking_uri=f"sqlite:///{workspace}/mlflow.db")[0]
    assert run["children"]["openai/gpt-mock-large"]["tags"]["llmbench.price"] == "unknown"

    prefect_db = PREFECT_API_DATABASE_CONNECTION_URL.value().split("///", 1)[-1]
    assert CANARY.encode() not in Path(prefect_db).read_bytes()
    assert CANARY.encode() not in _everything_stored(workspace)  # MLflow db, artifacts, profiles
    captured = capfd.readouterr()
    assert CANARY not in captured.out + captured.err
    assert CANARY not in caplog.text


def test_a_wrong_key_is_a_counted_authentication_failure(
    workspace: Path, keyed_server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMBENCH_CANARY_KEY", "sk-wrong-key-0000000000")
    write_config(workspace, _config(keyed_server, 'api_key_env = "LLMBENCH_CANARY_KEY"'))
    result = asyncio.run(compare_models(CompareRequest(prompt="Hi", models=["gpt", "llama"])))
    gpt, llama = result.results
    assert not gpt.success and gpt.error_type == "AuthenticationError" and gpt.attempts == 1
    assert llama.success and result.winner == "ollama/llama-mock"
    assert "sk-wrong-key" not in (gpt.error or "")


def test_key_from_a_prefect_secret_block(workspace: Path, keyed_server: MockServer) -> None:
    from prefect.blocks.system import Secret

    Secret(value=CANARY).save("llmbench-test-canary", overwrite=True)
    write_config(workspace, _config(keyed_server, 'api_key_block = "llmbench-test-canary"'))
    result = asyncio.run(compare_models(CompareRequest(prompt="Hi", models=["gpt", "claude"])))
    assert all(r.success for r in result.results), [r.error for r in result.results]
    assert CANARY.encode() not in _everything_stored(workspace)
