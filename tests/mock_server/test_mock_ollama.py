"""Ollama native protocol of the mock server, over real HTTP."""

from __future__ import annotations

import json

import httpx

from llmbench.mock_server import MockModel, MockServer, MockServerConfig, answer_for, count_tokens

PROMPT = "Why is the sky blue?"


def _body(**extra: object) -> dict[str, object]:
    return {"model": "llama-mock", "messages": [{"role": "user", "content": PROMPT}], **extra}


def test_non_streaming_chat_has_ollama_shape_and_counts() -> None:
    config = MockServerConfig(models=[MockModel(name="llama-mock", latency_ms=90, ttft_ms=30)])
    with MockServer(config) as s:
        response = httpx.post(f"{s.ollama_base_url}/api/chat", json=_body(stream=False))
    body = response.json()
    assert response.status_code == 200
    assert body["model"] == "llama-mock" and body["created_at"].endswith("Z")
    assert body["message"] == {"role": "assistant", "content": answer_for("llama-mock", PROMPT)}
    assert body["done"] is True and body["done_reason"] == "stop"
    assert body["prompt_eval_count"] == count_tokens(PROMPT) == 6
    assert body["eval_count"] == count_tokens(body["message"]["content"])
    assert 30e6 <= body["prompt_eval_duration"] < 80e6
    assert 60e6 <= body["eval_duration"] < 120e6
    assert body["total_duration"] >= body["load_duration"] + body["prompt_eval_duration"] + body["eval_duration"]
    assert 90e6 <= body["total_duration"] < 250e6


def test_streams_ndjson_by_default() -> None:
    with MockServer() as s, httpx.stream("POST", f"{s.ollama_base_url}/api/chat", json=_body()) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert all(not line["done"] for line in lines[:-1])
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    text = "".join(line["message"]["content"] for line in lines)
    assert text == answer_for("llama-mock", PROMPT)
    assert final["eval_count"] == count_tokens(text) and final["prompt_eval_count"] == 6
    assert final["eval_duration"] > 0 and final["prompt_eval_duration"] > 0


def test_num_predict_truncates_with_done_reason_length() -> None:
    with MockServer() as s:
        body = httpx.post(f"{s.ollama_base_url}/api/chat", json=_body(stream=False, options={"num_predict": 4})).json()
    assert body["done_reason"] == "length" and body["eval_count"] == 4
    assert count_tokens(body["message"]["content"]) == 4


def test_latest_tag_names_the_same_model() -> None:
    with MockServer() as s:
        body = httpx.post(f"{s.ollama_base_url}/api/chat", json=_body(model="llama-mock:latest", stream=False)).json()
    assert body["model"] == "llama-mock"


def test_unknown_model_is_404_with_error_string() -> None:
    with MockServer() as s:
        response = httpx.post(f"{s.ollama_base_url}/api/chat", json=_body(model="nope", stream=False))
    assert response.status_code == 404
    assert response.json() == {"error": "model 'nope' not found"}


def test_context_window_error_is_400() -> None:
    config = MockServerConfig(models=[MockModel(name="llama-mock", context_window=3)])
    with MockServer(config) as s:
        response = httpx.post(f"{s.ollama_base_url}/api/chat", json=_body(stream=False))
    assert response.status_code == 400 and "context length" in response.json()["error"]


def test_tags_and_version() -> None:
    with MockServer() as s:
        tags = httpx.get(f"{s.ollama_base_url}/api/tags").json()
        version = httpx.get(f"{s.ollama_base_url}/api/version").json()
    names = [m["name"] for m in tags["models"]]
    assert "llama-mock:latest" in names and len(names) == 4
    assert all(m["digest"].startswith("sha256:") and len(m["digest"]) == 71 for m in tags["models"])
    assert version["version"]


def test_openai_compatible_route_serves_ollama_models() -> None:
    with MockServer() as s:
        response = httpx.post(f"{s.ollama_base_url}/v1/chat/completions", json=_body())
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == answer_for("llama-mock", PROMPT)
