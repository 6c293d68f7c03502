"""What a user waits for, measured as whole processes (issue 11): the first start, a one-prompt compare, and the
1,000-call benchmark, each against llmbench's local Prefect server once it runs.

Targets: the 1,000-call benchmark (10 models × 100 prompts through the OpenAI provider against the mock server with
100 ms latency, concurrency 50; ideal 2 s) ≤ 1.5 × ideal + 1 s = 4 s as a whole process after the first run; a
one-prompt ``compare`` ≤ 3 s. Every figure is the median of ``--runs`` runs of ``llmbench`` in a fresh home, with the
answer cache off (a repeated run would otherwise be answered from it without a call). When a
target is missed, the same command is run again in-process step by step (the CLI's own functions, in its order) to
show where the time goes, and once more with MLflow tracking off to show what recording the run costs.

promptfoo's equivalent eval is timed too when ``promptfoo`` is on PATH.
Run: ``.venv/bin/python benchmarks/first_touch.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmbench.mock_server import MockModel, MockServerConfig
from llmbench.mock_server.runner import MockServer

N_MODELS, N_PROMPTS, CONCURRENCY, LATENCY_MS = 10, 100, 50, 100
IDEAL_S = N_MODELS * N_PROMPTS * LATENCY_MS / 1000 / CONCURRENCY
BENCH_TARGET_S = 1.5 * IDEAL_S + 1.0
COMPARE_TARGET_S = 3.0
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Workspace:
    directory: Path
    env: dict[str, str]
    dataset: Path
    mock: MockServer
    cpu_s: float = 0.0

    def llmbench(self, *args: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
        """(seconds, wall-clock start, stdout) of one whole ``llmbench`` process; raises when it fails.

        ``self.cpu_s`` holds that process's CPU seconds (user + system), a figure a busy machine disturbs less.
        """
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started_at, started = time.time(), time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", "llmbench.cli", *args],
            cwd=self.directory,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu_s = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        if done.returncode != 0:
            raise SystemExit(f"llmbench {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return seconds, started_at, done.stdout

    def first_call_after(self, started_at: float) -> float | None:
        """Seconds from a process start to the first model call the mock server received after it."""
        times = [r.received_at for r in self.mock.requests.snapshot() if r.received_at >= started_at]
        return min(times) - started_at if times else None


def _workspace(directory: Path, mock: MockServer, prefect_port: int | None = None) -> Workspace:
    dataset = directory / "prompts.jsonl"
    with dataset.open("w") as out:
        for i in range(N_PROMPTS):
            out.write(json.dumps({"id": f"q{i}", "prompt": f"Question {i}: what does photosynthesis produce?"}) + "\n")
    # No answer cache: a repeated run would otherwise be answered from it and make no call at all.
    lines = [f"[prefect]\nprovider_concurrency = {{ openai = {CONCURRENCY}, sim = 100 }}\n\n[cache]\nenabled = false\n"]
    for i in range(N_MODELS):
        lines.append(f'[models.m{i}]\nprovider = "openai"\nmodel = "m{i}"\nbase_url = "{mock.openai_base_url}"\n')
    (directory / "llmbench.toml").write_text("\n".join(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MLFLOW_TRACKING", "LLMBENCH_"))}
    env.update(
        LLMBENCH_HOME=str(directory / "home"),
        LLMBENCH_PREFECT_PORT=str(prefect_port or _free_port()),
        MLFLOW_PORT=str(_free_port()),  # no MLflow UI there: the CLI prints the command instead of probing one
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    return Workspace(directory, env, dataset, mock)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _timed(ws: Workspace, runs: int, *args: str) -> tuple[float, float, float | None]:
    """Median seconds and CPU seconds of ``runs`` whole processes, and the median time to their first model call."""
    walls, cpus, firsts = [], [], []
    for _ in range(runs):
        seconds, started_at, _ = ws.llmbench(*args)
        walls.append(seconds)
        cpus.append(ws.cpu_s)
        first = ws.first_call_after(started_at)
        if first is not None:
            firsts.append(first)
    return _median(walls), _median(cpus), (_median(firsts) if firsts else None)


COMPARE = ("compare", "-m", "m0", "-p", "What does photosynthesis produce?", "--json")
SIM_COMPARE = ("compare", "-m", "sim:oracle-xl,sim:balanced-m,sim:swift-s", "-p", COMPARE[4], "--json")


def _bench_args(ws: Workspace) -> tuple[str, ...]:
    models = ",".join(f"m{i}" for i in range(N_MODELS))
    return ("bench", str(ws.dataset), "-m", models, "--concurrency", str(CONCURRENCY), "--no-profiles", "--json")


# -- where the time goes ----------------------------------------------------------------------------------------

STEPS = r"""
import json, sys, time
marks = [("start", time.time())]
def mark(name): marks.append((name, time.time()))
from llmbench.cli._shared import run_once_gc, prepare_environment
run_once_gc()
import llmbench.cli
mark("CLI imported")
prepare_environment(None)
from llmbench.config import load_config
from llmbench.runs import BenchmarkRequest, CompareRequest, resolve_settings
args = json.loads(sys.argv[1])
request = (CompareRequest if args["kind"] == "compare" else BenchmarkRequest)(**args["request"])
resolve_settings(request, load_config())
mark("inputs checked")
from llmbench.server import connect_prefect
connect_prefect()
mark("Prefect server reached")
import asyncio, gc, importlib
flow = getattr(importlib.import_module(args["module"]), args["flow"])
gc.freeze()
mark("Prefect and the flows imported")
result = asyncio.run(flow(request))
mark("flow finished")
from llmbench.links import complete_links
complete_links(result.links)
mark("links and output")
print(json.dumps(marks))
"""


def _steps(ws: Workspace, kind: str, env: dict[str, str] | None = None) -> list[tuple[str, float]]:
    """The CLI's steps with wall-clock marks, plus the model calls as the mock server saw them and the exit."""
    if kind == "compare":
        spec = {"kind": kind, "module": "flows.compare", "flow": "compare_models"}
        spec["request"] = {"prompt": COMPARE[4], "models": ["m0"]}
    else:
        spec = {"kind": kind, "module": "flows.benchmark", "flow": "benchmark_models"}
        spec["request"] = {
            "dataset": str(ws.dataset),
            "models": [f"m{i}" for i in range(N_MODELS)],
            "concurrency": CONCURRENCY,
            "update_profiles": False,
        }
    started = time.time()
    done = subprocess.run(
        [PYTHON, "-c", STEPS, json.dumps(spec)],
        cwd=ws.directory,
        env=env or ws.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    ended = time.time()
    if done.returncode != 0:
        raise SystemExit(f"step-by-step {kind} failed: {done.stderr.strip()[-2000:]}")
    marks = [(name, at) for name, at in json.loads(done.stdout.strip().splitlines()[-1])]
    calls = [r.received_at for r in ws.mock.requests.snapshot() if started <= r.received_at <= ended]
    if calls:  # split "flow finished" into start → first call → last call answered → records
        flow_at = next(at for name, at in marks if name == "flow finished")
        before = [(n, at) for n, at in marks if at < min(calls)]
        after = [(n, at) for n, at in marks if at >= flow_at]
        marks = [
            *before,
            ("flow started, first call sent", min(calls)),
            ("calls answered", max(calls) + LATENCY_MS / 1000),
            ("ranked, analysed, recorded (MLflow, artifacts)", flow_at),
            *after[1:],
        ]
    marks.append(("process exited", ended))
    return [(name, at - started) for name, at in marks]


def _print_steps(title: str, steps: list[tuple[str, float]], without_mlflow: float | None) -> None:
    print(f"  where the time of {title} goes (one run, step by step):")
    previous = 0.0
    for name, at in steps[1:]:
        print(f"    {at - previous:5.2f} s  {name}")
        previous = at
    print(f"    {previous:5.2f} s  in all")
    if without_mlflow is not None:
        print(
            f"    the same with [tracking] enabled = false: {without_mlflow:.2f} s (recording in MLflow costs the rest)"
        )


def _without_mlflow(ws: Workspace, *args: str) -> float:
    config = ws.directory / "no-tracking.toml"
    config.write_text((ws.directory / "llmbench.toml").read_text() + "\n[tracking]\nenabled = false\n")
    return ws.llmbench(*args, "--config", str(config))[0]


# -- promptfoo ----------------------------------------------------------------------------------------------------


def _promptfoo(ws: Workspace, runs: int) -> None:
    binary = shutil.which("promptfoo")
    if binary is None:
        print("promptfoo: not on PATH, its equivalent eval was not measured (npm install -g promptfoo to compare)")
        return
    providers = "\n".join(
        f"  - id: openai:chat:m{i}\n    config:\n      apiBaseUrl: {ws.mock.openai_base_url}\n      apiKey: x"
        for i in range(N_MODELS)
    )
    tests = "\n".join(
        f"  - vars:\n      q: 'Question {i}: what does photosynthesis produce?'" for i in range(N_PROMPTS)
    )
    config = ws.directory / "promptfooconfig.yaml"
    config.write_text(f"prompts:\n  - '{{{{q}}}}'\nproviders:\n{providers}\ntests:\n{tests}\n")
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [binary, "eval", "-c", str(config), "--max-concurrency", str(CONCURRENCY), "--no-cache", "--no-table"],
            cwd=ws.directory,
            env={**ws.env, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1"},
            capture_output=True,
            timeout=600,
            check=False,
        )
        walls.append(time.perf_counter() - started)
    print(f"promptfoo eval, the same {N_MODELS * N_PROMPTS} calls, whole process: {_median(walls):.2f} s (median)")


# -- main ---------------------------------------------------------------------------------------------------------


def _verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "ABOVE TARGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs per figure (median)")
    parser.add_argument("--port", type=int, default=None, help="port of the local Prefect server (default: a free one)")
    args = parser.parse_args()
    models = [MockModel(name=f"m{i}", latency_ms=LATENCY_MS) for i in range(N_MODELS)]
    with (
        tempfile.TemporaryDirectory(prefix="llmbench-first-touch-") as tmp,
        MockServer(MockServerConfig(models=models)) as mock,
    ):
        ws = _workspace(Path(tmp), mock, args.port)
        try:
            _report(ws, args.runs)
        finally:
            subprocess.run(
                [PYTHON, "-m", "llmbench.cli", "server", "stop"], env=ws.env, capture_output=True, check=False
            )


def _report(ws: Workspace, runs: int) -> None:
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; medians of {runs} whole processes")
    first_start, _, _ = ws.llmbench("server", "start")
    first_compare, _, _ = ws.llmbench(*COMPARE)
    print(f"first start of the local Prefect server (new database): {first_start:5.2f} s")
    print(f"first compare after it (creates the MLflow store):      {first_compare:5.2f} s")

    ws.llmbench(*SIM_COMPARE)  # the simulated models' first compare: not counted either
    sim_s, sim_cpu, _ = _timed(ws, runs, *SIM_COMPARE)
    compare_s, compare_cpu, compare_first = _timed(ws, runs, *COMPARE)
    ws.llmbench(*_bench_args(ws))  # the benchmark flow's first run registers it; not counted
    bench_s, bench_cpu, bench_first = _timed(ws, runs, *_bench_args(ws))
    print(
        f"one-prompt compare, 3 simulated models: {sim_s:5.2f} s (target ≤ {COMPARE_TARGET_S:.0f} s) "
        f"{_verdict(sim_s, COMPARE_TARGET_S)}; {sim_cpu:.2f} s CPU"
    )
    first = f"{compare_first:.2f} s" if compare_first is not None else "n/a"
    print(
        f"one-prompt compare, 1 model over HTTP: {compare_s:5.2f} s (target ≤ {COMPARE_TARGET_S:.0f} s) "
        f"{_verdict(compare_s, COMPARE_TARGET_S)}; first model call after {first}; {compare_cpu:.2f} s CPU"
    )
    first = f"{bench_first:.2f} s" if bench_first is not None else "n/a"
    print(
        f"1,000-call benchmark, server running: {bench_s:5.2f} s (target ≤ {BENCH_TARGET_S:.0f} s = 1.5 × ideal "
        f"{IDEAL_S:.0f} s + 1 s) {_verdict(bench_s, BENCH_TARGET_S)}; first model call after {first}; "
        f"{bench_cpu:.2f} s CPU"
    )
    if compare_s > COMPARE_TARGET_S:
        _print_steps("a one-prompt compare", _steps(ws, "compare"), _without_mlflow(ws, *COMPARE))
    if bench_s > BENCH_TARGET_S:
        _print_steps("the 1,000-call benchmark", _steps(ws, "bench"), _without_mlflow(ws, *_bench_args(ws)))
    _promptfoo(ws, runs)
    print(f"load average at the end {os.getloadavg()[0]:.1f} (a busy machine stretches every figure; CPU less so)")


if __name__ == "__main__":
    main()
