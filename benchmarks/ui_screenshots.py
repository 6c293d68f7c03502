"""Screenshots of what a reader sees after real runs (issue 11): the HTML report, the Prefect UI and the MLflow UI.

In a fresh temporary home it starts llmbench's local Prefect server on a free port, runs a benchmark and a
one-prompt comparison of simulated models through the CLI, registers the compare flow as a deployment (no worker:
only its form is looked at), writes the HTML report of the benchmark, starts ``mlflow ui --workers 1`` on a free
port, and opens each page in headless Chromium:

- ``report.html`` (top, statistics, answers) and the one-prompt report;
- Prefect: the benchmark's flow run page (its name, logs and artifacts), the compare deployment's run form (in
  both UIs) and the one-prompt comparison's Markdown report artifact;
- MLflow: the benchmark's run page, the compare view of its per-model child runs, and the chart view of its models
  (before and after expanding the run in the runs table: Chromium is driven over its DevTools protocol for the
  click, with the ``websockets`` package Prefect already installs).

It installs nothing. It needs Chromium: on Debian/Ubuntu ``apt-get install -y chromium`` (the ``chromium`` command;
``chromium-browser`` or ``google-chrome`` are used too when on PATH, or set ``CHROMIUM``). Screenshots go to
``--out`` (default: a new temporary directory, printed); look at them, they are not committed.
Run: ``.venv/bin/python benchmarks/ui_screenshots.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MODELS = "sim:oracle-xl,sim:balanced-m,sim:swift-s,sim:flaky-m,sim:mystery-x"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Time the single-page apps get to fetch their data and draw (headless Chromium's virtual time).
UI_BUDGET_MS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _browser() -> str:
    for name in (os.environ.get("CHROMIUM"), *BROWSERS):
        if name and shutil.which(name):
            return str(shutil.which(name))
    sys.exit("no Chromium found: install it with `apt-get install -y chromium` (or set CHROMIUM=/path/to/chrome)")


def _llmbench(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "llmbench.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        sys.exit(f"llmbench {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def _wait(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def _prefect_server(env: dict[str, str]) -> Iterator[str]:
    """llmbench's own local server in the temporary home; stopped (only it) at the end."""
    _llmbench(env, "server", "start")
    try:
        yield f"http://127.0.0.1:{env['LLMBENCH_PREFECT_PORT']}"
    finally:
        _llmbench(env, "server", "stop")


@contextmanager
def _mlflow_ui(env: dict[str, str], uri: str) -> Iterator[str]:
    port = _free_port()
    server_env = env | {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    command = [PYTHON, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--port", str(port), "--workers", "1"]
    log = (Path(env["LLMBENCH_HOME"]) / "mlflow-ui.log").open("wb")
    proc = subprocess.Popen(command, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the UI and its workers, nothing else
        proc.wait(timeout=30)
        log.close()


def _register_form(env: dict[str, str]) -> str:
    """Register the compare flow as a deployment (nothing runs it) and return its id, to look at its form."""
    code = (
        "import asyncio\n"
        "from flows.compare import compare_models\n"
        "deployment = compare_models.to_deployment(name='screenshots')\n"
        "print(asyncio.run(deployment.aapply()))\n"
    )
    done = subprocess.run([PYTHON, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"registering the compare deployment failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def _shoot(browser: str, url: str, path: Path, size: str = "1440,1800", budget_ms: int = 0) -> Path:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={size}",
        f"--screenshot={path}",
    ]
    if budget_ms:
        command.append(f"--virtual-time-budget={budget_ms}")
    subprocess.run([*command, url], capture_output=True, timeout=180, check=False)
    if not path.is_file():
        sys.exit(f"chromium wrote no screenshot of {url}")
    return path


async def _drive_then_shoot(browser: str, url: str, path: Path, script: str, wait_s: float = 15.0) -> Path:
    """Open ``url`` in Chromium driven over the DevTools protocol, run ``script`` once the page has drawn, and
    save a screenshot: some views need a click (MLflow draws a comparison's models once its run is expanded in
    the runs table) or a scroll (``--screenshot`` of a ``#section`` URL comes out blank)."""
    import base64

    import websockets  # a Prefect dependency: nothing to install

    port = _free_port()
    proc = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--remote-debugging-port={port}", "--window-size=1440,1400", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        pages: list[dict[str, str]] = []
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                    pages = [t for t in json.load(response) if t.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        async with websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=100_000_000) as ws:
            calls = 0

            async def call(method: str, **params: object) -> dict[str, object]:
                nonlocal calls
                calls += 1
                await ws.send(json.dumps({"id": calls, "method": method, "params": params}))
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("id") == calls:
                        return dict(message.get("result") or {})

            await call("Emulation.setDeviceMetricsOverride", width=1440, height=1400, deviceScaleFactor=1, mobile=False)
            await call("Page.navigate", url=url)
            await asyncio.sleep(wait_s)
            await call("Runtime.evaluate", expression=script)
            await asyncio.sleep(wait_s / 2)
            shot = await call("Page.captureScreenshot", format="png")
            path.write_bytes(base64.b64decode(str(shot["data"])))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return path


def _scrolled(browser: str, page: Path, section: str, path: Path) -> Path:
    script = f"document.getElementById({json.dumps(section)}).scrollIntoView()"
    return asyncio.run(_drive_then_shoot(browser, page.as_uri(), path, script, wait_s=2.0))


def _artifact_id(prefect_url: str, flow_run_id: str, key: str) -> str:
    """The id of a flow run's artifact, through the REST API (its page shows how Prefect renders our Markdown)."""
    body = json.dumps({"flow_runs": {"id": {"any_": [flow_run_id]}}, "artifacts": {"key": {"any_": [key]}}})
    request = urllib.request.Request(
        f"{prefect_url}/api/artifacts/filter", data=body.encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        found = json.load(response)
    if not found:
        sys.exit(f"flow run {flow_run_id} has no artifact {key!r}")
    return str(found[0]["id"])


def model_views_charts(experiment: str, run_id: str) -> str:
    """The chart view of one comparison's models: the link its MLflow description gives (``#/…``)."""
    only_models = urllib.parse.quote(f"tags.`mlflow.parentRunId` = '{run_id}'")
    return f"#/experiments/{experiment}/runs?searchFilter={only_models}&compareRunsMode=CHART"


def _mlflow_ids(env: dict[str, str], uri: str, run_id: str) -> tuple[str, list[str]]:
    """The run's experiment id and its per-model child run ids."""
    code = (
        "import json, sys\nfrom mlflow import MlflowClient\n"
        f"c = MlflowClient({uri!r}); run = c.get_run({run_id!r}); e = run.info.experiment_id\n"
        f"kids = c.search_runs([e], filter_string=\"tags.`mlflow.parentRunId` = '{run_id}'\")\n"
        "print(json.dumps([e, [k.info.run_id for k in kids]]))\n"
    )
    done = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120)
    experiment, children = json.loads(done.stdout.strip().splitlines()[-1])
    return experiment, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="Directory for the PNGs (default: a temporary one)")
    args = parser.parse_args()
    browser = _browser()
    out = (args.out or Path(tempfile.mkdtemp(prefix="llmbench-screenshots-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="llmbench-ui-home-"))
    uri = f"sqlite:///{home}/mlflow.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "MLFLOW_TRACKING_URI"))}
    env |= {"LLMBENCH_HOME": str(home), "LLMBENCH_PREFECT_PORT": str(_free_port()), "MLFLOW_TRACKING_URI": uri}
    env |= {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))}
    shots: list[Path] = []
    with _prefect_server(env) as prefect_url:
        env_api = env | {"PREFECT_API_URL": f"{prefect_url}/api"}
        bench = json.loads(
            _llmbench(env_api, "bench", "examples/datasets/qa_small.jsonl", "--models", MODELS, "--json")
        )
        compare = json.loads(
            _llmbench(
                env_api,
                "compare",
                "--models",
                MODELS,
                "--prompt",
                "What does photosynthesis produce?",
                "--context",
                "Photosynthesis turns light, water and carbon dioxide into glucose; oxygen is released.",
                "--json",
            )
        )
        bench_run, compare_run = bench["links"]["mlflow_run_id"], compare["links"]["mlflow_run_id"]
        deployment = _register_form(env_api)
        report, single = out / "report.html", out / "report-compare.html"
        _llmbench(env_api, "report", bench_run, "--html", str(report))
        _llmbench(env_api, "report", compare_run, "--html", str(single))
        shots.append(_shoot(browser, report.as_uri(), out / "report-top.png", "1440,2200"))
        shots.append(_scrolled(browser, report, "statistics", out / "report-statistics.png"))
        shots.append(_scrolled(browser, report, "answers", out / "report-answers.png"))
        shots.append(_shoot(browser, single.as_uri(), out / "report-compare.png", "1440,2000"))
        flow_run = (
            bench["links"]["prefect_flow_run_url"]
            or f"{prefect_url}/runs/flow-run/{bench['links']['prefect_flow_run_id']}"
        )
        shots.append(_shoot(browser, flow_run, out / "prefect-flow-run.png", "1440,1400", UI_BUDGET_MS))
        form = f"deployments/deployment/{deployment}/run"
        shots.append(
            _shoot(browser, f"{prefect_url}/{form}", out / "prefect-compare-form.png", "1440,2200", UI_BUDGET_MS)
        )
        shots.append(
            _shoot(browser, f"{prefect_url}/v2/{form}", out / "prefect-v2-compare-form.png", "1440,2200", UI_BUDGET_MS)
        )
        artifact = _artifact_id(prefect_url, compare["links"]["prefect_flow_run_id"], "compare-report")
        page = f"{prefect_url}/artifacts/artifact/{artifact}"
        shots.append(_shoot(browser, page, out / "prefect-compare-report.png", "1440,2200", UI_BUDGET_MS))
        with _mlflow_ui(env, uri) as mlflow_url:
            experiment, children = _mlflow_ids(env, uri, bench_run)
            runs, experiments = urllib.parse.quote(json.dumps(children)), urllib.parse.quote(json.dumps([experiment]))
            pages = {
                "mlflow-run.png": f"{mlflow_url}/#/experiments/{experiment}/runs/{bench_run}",
                "mlflow-compare-models.png": f"{mlflow_url}/#/compare-runs?runs={runs}&experiments={experiments}",
                "mlflow-experiment-charts.png": f"{mlflow_url}/{model_views_charts(experiment, bench_run)}",
                "mlflow-experiment-runs.png": f"{mlflow_url}/#/experiments/{experiment}/runs",
            }
            for name, url in pages.items():
                shots.append(_shoot(browser, url, out / name, "1440,1400", UI_BUDGET_MS * 2))
            charts = f"{mlflow_url}/{model_views_charts(experiment, bench_run)}"
            expand = "document.querySelector('button[data-component-id*=runnamecellrenderer]')?.click()"  # the ⊞
            expanded = out / "mlflow-experiment-charts-expanded.png"
            shots.append(asyncio.run(_drive_then_shoot(browser, charts, expanded, expand)))
    shutil.rmtree(home, ignore_errors=True)
    print(f"{len(shots)} screenshots in {out}:")
    for path in shots:
        print(f"  {path.name}  ({path.stat().st_size / 1024:,.0f} KB)")


if __name__ == "__main__":
    main()
