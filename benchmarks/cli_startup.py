"""The fixed start-up a user pays per ``llmbench compare`` call, with and without a running Prefect server.

Times the whole command (one simulated model of ~60 ms) three ways: no PREFECT_API_URL and a fresh PREFECT_HOME
(cold temporary server), no PREFECT_API_URL with that home reused (warm), and a running server (PREFECT_API_URL).
Run: ``.venv/bin/python benchmarks/cli_startup.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._prefect_server import prefect_server

LLMBENCH = str(Path(sys.executable).parent / "llmbench")
COMMAND = [LLMBENCH, "compare", "--models", "sim:swift-s", "--prompt", "What is TCP?", "--json"]


def timed(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(COMMAND, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        base.update(LLMBENCH_HOME=tmp, MLFLOW_TRACKING_URI=f"sqlite:///{tmp}/mlflow.db", PREFECT_HOME=f"{tmp}/prefect")
        cold = timed(base)
        warm = min(timed(base) for _ in range(2))
        with prefect_server() as url:
            running = {**base, "PREFECT_API_URL": url}
            timed(running)  # registers the flow on that server
            served = min(timed(running) for _ in range(3))
    print(f"llmbench compare, 1 simulated model of ~60 ms, {os.cpu_count()} cores:")
    print(f"  no server, new PREFECT_HOME (cold temporary server): {cold:5.1f} s")
    print(f"  no server, PREFECT_HOME reused (warm):               {warm:5.1f} s")
    print(f"  running server (PREFECT_API_URL set):                {served:5.1f} s")


if __name__ == "__main__":
    main()
