"""Durable runs as a user meets them: ``llmbench bench`` processes killed, terminated and run four at once, over
real HTTP to the mock server, which counts every call.

- kill -9 at random points, then the same command: it starts calling at once (the dead run's slots are freed),
  calls only the pairs the killed run did not store, and ends with the rows of an uninterrupted run;
- SIGTERM: exit 143 with one line saying how to resume, no JSON, no FINISHED MLflow run, no profile update, no
  slot left held; the printed command resumes it;
- four runs at once on one llmbench home: one local Prefect server, all complete, every profile update arrives.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmbench.mock_server import MockModel, MockServer, MockServerConfig

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

REPO = Path(__file__).resolve().parents[2]
N_ITEMS = 16
LATENCY_MS = 150


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    drop = ("PREFECT_API", "LLMBENCH_CONFIG", "MLFLOW_TRACKING_URI")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        PYTHONPATH=str(REPO),
        LLMBENCH_HOME=str(home),
        LLMBENCH_PREFECT_PORT=str(_free_port()),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        MOCK_API_KEY="not-a-real-key",
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "llmbench.cli", *args]


@dataclass
class Bench:
    """A llmbench home with its local Prefect server running, and the mock server both models call."""

    home: Path
    env: dict[str, str]
    mock: MockServer

    def calls(self) -> int:
        return sum(1 for r in self.mock.requests if r.method == "POST")

    def workdir(self, name: str, tracking: bool = True) -> Path:
        """A directory with its own result store, MLflow store and profiles (so tests do not resume each other)."""
        work = self.home / name
        work.mkdir()
        base = self.mock.url
        (work / "llmbench.toml").write_text(
            f'[store]\nurl = "sqlite:///{work}/store.db"\n'
            f'[tracking]\nenabled = {str(tracking).lower()}\ntracking_uri = "sqlite:///{work}/mlflow.db"\n'
            f'[orchestration]\nprofiles_path = "{work}/profiles.json"\n'
            f'[models.mgpt]\nprovider = "openai"\nmodel = "gpt-mock-mini"\nbase_url = "{base}/v1"\n'
            'api_key_env = "MOCK_API_KEY"\n'
            f'[models.mclaude]\nprovider = "anthropic"\nmodel = "claude-mock"\nbase_url = "{base}"\n'
            'api_key_env = "MOCK_API_KEY"\n'
        )
        with (work / "data.jsonl").open("w") as fh:
            for i in range(N_ITEMS):
                fh.write(json.dumps({"id": f"q{i:02d}", "prompt": f"What is {i} plus {i}?", "reference": str(2 * i)}))
                fh.write("\n")
        return work

    def bench_args(self, work: Path, *extra: str) -> list[str]:
        return _cli("bench", "data.jsonl", "-m", "mgpt,mclaude", "--concurrency", "2", "--json", *extra)

    def start(self, work: Path, args: list[str]) -> subprocess.Popen[str]:
        env = {**self.env, "LLMBENCH_CONFIG": str(work / "llmbench.toml")}
        return subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, work: Path, args: list[str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "LLMBENCH_CONFIG": str(work / "llmbench.toml")}
        return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)

    def wait_for_calls(self, above: int, proc: subprocess.Popen[str], timeout: float = 90) -> float:
        """Seconds until the server saw more than ``above`` calls (inf if ``proc`` ended first)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.calls() > above:
                return time.monotonic() - started
            if proc.poll() is not None:
                return float("inf")
            time.sleep(0.02)
        pytest.fail("no model call within the timeout")


def _stop_server(env: dict[str, str]) -> None:
    subprocess.run(_cli("server", "stop"), env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    home = tmp_path_factory.mktemp("durable")
    env = _env(home)
    models = [MockModel(name=name, latency_ms=LATENCY_MS) for name in ("gpt-mock-mini", "claude-mock")]
    with MockServer(MockServerConfig(models=models)) as mock:
        started = subprocess.run(_cli("server", "start"), env=env, capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stderr
        try:
            yield Bench(home, env, mock)
        finally:
            _stop_server(env)


def _rows(stdout: str) -> dict[tuple[str, str], tuple[bool, str, dict[str, float]]]:
    """What a user compares between runs: each pair's outcome, answer and scores (not latency, not cached)."""
    result = json.loads(stdout)
    assert result["complete"], result["incomplete_models"]
    return {(r["model"], r["item_id"]): (r["success"], r["response"], r["scores"]) for r in result["results"]}


def _stored(bench: Bench, work: Path) -> tuple[str, int, int]:
    runs = json.loads(bench.run(work, _cli("cache", "runs", "--json")).stdout)
    return runs[0]["run_id"], runs[0]["stored"], runs[0]["pairs"]


@pytest.fixture(scope="module")
def reference(bench: Bench) -> dict[tuple[str, str], tuple[bool, str, dict[str, float]]]:
    """The rows of an uninterrupted run."""
    work = bench.workdir("reference", tracking=False)
    done = bench.run(work, bench.bench_args(work, "--no-profiles"))
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert len(rows) == 2 * N_ITEMS
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_then_rerun_calls_only_what_was_not_stored(bench: Bench, reference: dict, seed: int) -> None:
    work = bench.workdir(f"kill-{seed}", tracking=False)
    args = bench.bench_args(work, "--no-profiles")
    before = bench.calls()
    killed = bench.start(work, args)
    bench.wait_for_calls(before, killed)
    time.sleep(random.Random(seed).uniform(0.0, 2.0))  # somewhere in the calls (2 × 16 of 150 ms, 2 at a time: 2.4 s)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    time.sleep(0.5)  # a request already sent may still arrive
    run_id, stored, pairs = _stored(bench, work)
    after_kill = bench.calls()
    held = _limits(bench, work)
    if stored < pairs:  # killed while calling: it held the slots of both providers
        assert {(h["pid"], h["run_id"]) for s in held for h in s["holders"]} == {(killed.pid, run_id)}
        assert all(s["stale"] == [h["lease_id"] for h in s["holders"]] for s in held)  # its process is gone
    if seed == 2 and stored < pairs:  # by hand; otherwise the rerun frees them itself
        reset = bench.run(work, _cli("limits", "reset"))
        assert reset.returncode == 0 and "freed 1 holder(s)" in reset.stdout, reset.stderr
        assert [(s["active_slots"], s["holders"]) for s in _limits(bench, work)] == [(0, [])] * len(held)

    rerun = bench.start(work, args)
    to_first_call = bench.wait_for_calls(after_kill, rerun)
    out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err
    rerun_calls = bench.calls() - after_kill
    print(f"seed {seed}: killed at {stored}/{pairs} stored; rerun: {rerun_calls} calls, first in {to_first_call:.1f} s")
    assert rerun_calls <= pairs - stored  # 0 duplicates: no stored pair is called again (the cache may save more)
    assert _rows(out) == reference
    assert _stored(bench, work)[:2] == (run_id, pairs)  # the killed run itself was resumed and completed
    if rerun_calls:  # not blocked by the slots the killed run held (lease 60 s, slot wait 300 s)
        assert to_first_call < 30


def _limits(bench: Bench, work: Path) -> list[dict]:
    """``llmbench limits show --json``: the provider limits this command's models use, and their holders."""
    shown = bench.run(work, _cli("limits", "show", "--json"))
    assert shown.returncode == 0, shown.stderr
    return [s for s in json.loads(shown.stdout) if s["name"].endswith(("-openai", "-anthropic"))]


def _mlflow_statuses(work: Path) -> list[str]:
    """The status of each top-level MLflow run (a benchmark logs one, with a child run per model)."""
    if not (work / "mlflow.db").exists():
        return []
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{work}/mlflow.db")
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments) if experiments else []
    return [run.info.status for run in runs if "mlflow.parentRunId" not in run.data.tags]


def test_sigterm_stops_keeps_what_finished_and_says_how_to_resume(bench: Bench) -> None:
    work = bench.workdir("sigterm")
    before = bench.calls()
    proc = bench.start(work, bench.bench_args(work, "--output", "result.json"))
    bench.wait_for_calls(before + 4, proc)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    print(f"stopped {time.monotonic() - sent:.2f} s after SIGTERM")
    assert proc.returncode == 143, err
    assert out == "" and not list(work.glob("*result.json*"))  # JSON whole or absent
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("stopped by SIGTERM")]
    assert len(lines) == 1, err
    run_id, stored, pairs = _stored(bench, work)
    assert f"{stored} of {pairs} results kept in run {run_id}" in lines[0]
    assert 0 < stored < pairs
    assert "FINISHED" not in _mlflow_statuses(work)
    assert not (work / "profiles.json").exists()
    assert [(s["name"], s["active_slots"], s["holders"]) for s in _limits(bench, work) if s["active_slots"]] == []
    assert [s["holders"] for s in _limits(bench, work)] == [[], []]
    unknown = bench.run(work, _cli("limits", "reset", "nope"))
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: nope: no such limit"), unknown.stderr

    command = shlex.split(lines[0].split("resume with: ", 1)[1])
    assert command[0] == "llmbench" and command[-2:] == ["--resume", run_id]
    at = bench.calls()
    resumed = bench.run(work, [*_cli(), *command[1:]])
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((work / "result.json").read_text()) == json.loads(resumed.stdout)
    assert bench.calls() - at <= pairs - stored
    assert _stored(bench, work) == (run_id, pairs, pairs)
    assert _mlflow_statuses(work) == ["FINISHED"]
    assert (work / "profiles.json").exists()


def test_four_runs_at_once_on_one_home_all_complete(bench: Bench, tmp_path: Path) -> None:
    """A fresh home with no server running: the four commands start one local Prefect server between them."""
    env = _env(tmp_path)
    shared = Bench(tmp_path, env, bench.mock)
    work = shared.workdir("four")
    limits = [3, 4, 5, 6]
    try:
        procs = [shared.start(work, shared.bench_args(work, "--limit", str(n))) for n in limits]
        outcomes = [p.communicate(timeout=300) for p in procs]
    finally:
        _stop_server(env)
    for proc, (_, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    for n, (out, _) in zip(limits, outcomes, strict=True):
        rows = _rows(out)
        assert len(rows) == 2 * n and all(success for success, _, _ in rows.values())
    starts = sum(err.count("starting the local Prefect server") for _, err in outcomes)
    assert starts == 1
    assert sorted(_mlflow_statuses(work)) == ["FINISHED"] * 4
    profiles = json.loads((work / "profiles.json").read_text())["profiles"]
    assert {model: p["sample_count"] for model, p in profiles.items()} == {
        "openai/gpt-mock-mini": sum(limits),
        "anthropic/claude-mock": sum(limits),
    }


def test_ctrl_c_stops_with_exit_130_and_one_line(bench: Bench) -> None:
    work = bench.workdir("sigint", tracking=False)
    before = bench.calls()
    proc = bench.start(work, bench.bench_args(work, "--no-profiles"))
    bench.wait_for_calls(before + 2, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    run_id, stored, pairs = _stored(bench, work)
    assert f"interrupted: {stored} of {pairs} results kept in run {run_id}; resume with: llmbench bench" in err
    assert [s["holders"] for s in _limits(bench, work)] == [[], []]
