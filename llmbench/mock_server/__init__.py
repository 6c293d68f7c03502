"""A local server speaking the OpenAI, Anthropic and Ollama protocols, with deterministic answers and faults.

No LLM API is reachable where llmbench is tested, so this server stands in for all of them: the real clients
and the official SDKs accept its responses and its errors. Usage is exact under ``count_tokens``. It also
answers as a judge (:mod:`llmbench.mock_server.judge`): predictable verdicts, broken ones, timeouts.
"""

from llmbench.mock_server.answers import answer_for, count_tokens
from llmbench.mock_server.app import create_app
from llmbench.mock_server.config import (
    FaultKind,
    FaultSpec,
    JudgeMode,
    MockModel,
    MockServerConfig,
    load_mock_config,
)
from llmbench.mock_server.faults import (
    DELAY_HEADER,
    FAULT_COUNT_HEADER,
    FAULT_HEADER,
    FAULT_KEY_HEADER,
    RETRY_AFTER_HEADER,
)
from llmbench.mock_server.judge import JUDGE_HEADER
from llmbench.mock_server.runner import MockServer, run_mock_server
from llmbench.mock_server.state import RecordedRequest, RequestLog

__all__ = [
    "DELAY_HEADER",
    "FAULT_COUNT_HEADER",
    "FAULT_HEADER",
    "FAULT_KEY_HEADER",
    "JUDGE_HEADER",
    "RETRY_AFTER_HEADER",
    "FaultKind",
    "FaultSpec",
    "JudgeMode",
    "MockModel",
    "MockServer",
    "MockServerConfig",
    "RecordedRequest",
    "RequestLog",
    "answer_for",
    "count_tokens",
    "create_app",
    "load_mock_config",
    "run_mock_server",
]
