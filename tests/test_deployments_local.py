"""``make serve``'s stack sits on the home's local server and says where everything is, MLflow's port included."""

from __future__ import annotations

from pathlib import Path

from deployments.local import LocalStack, _next_steps


def test_stack_state_lives_in_the_home_and_make_serve_prints_the_mlflow_port(tmp_path: Path) -> None:
    stack = LocalStack(home=tmp_path, port=4999, env={"MLFLOW_PORT": "5123", "PATH": "/usr/bin"})
    assert stack.env["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert stack.env["LLMBENCH_HOME"] == str(tmp_path)
    assert stack.env["MLFLOW_TRACKING_URI"] == f"sqlite:///{tmp_path}/mlflow.db"
    assert stack.env["PREFECT_API_URL"] == "http://127.0.0.1:4999/api"
    assert stack.log_file("worker") == tmp_path / "server" / "worker.log"
    text = _next_steps(stack)
    assert "http://127.0.0.1:5123" in text and "--port 5123" in text and ":5000" not in text
    assert not (tmp_path / "server" / "prefect.json").exists()  # building the stack starts nothing
