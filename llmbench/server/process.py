"""Background processes llmbench starts and stops by pid file: the local Prefect server, ``make serve``'s worker.

Each runs in its own session (process group), so stopping it also stops what it started; a pid file whose process
is gone, or now belongs to something else, counts as "not running" and is removed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "executable",
    "pid_alive",
    "port_is_free",
    "read_pid",
    "spawn",
    "stop_group",
    "tail",
]


def executable(name: str) -> str:
    """A console script of this environment (``prefect``), else whatever ``PATH`` finds."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""
    except OSError:
        return None  # no /proc here: trust the pid


def pid_alive(pid: int, marker: bytes = b"prefect") -> bool:
    """The process exists and its command line holds ``marker`` (guards against a recycled pid)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # our own exited child would linger as a zombie that still "exists"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = _cmdline(pid)
    return cmdline is None or marker in cmdline


def read_pid(path: Path, marker: bytes = b"prefect") -> int | None:
    """The pid in ``path`` when that process runs; a stale file is removed."""
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid_alive(pid, marker):
        return pid
    path.unlink(missing_ok=True)
    return None


def spawn(
    args: Sequence[str], *, env: Mapping[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start ``args`` in the background in its own session, appending its output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n--- {datetime.now(UTC).isoformat()} {' '.join(args)}\n".encode())
        out.flush()
        return subprocess.Popen(
            list(args),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_group(pid: int, first: signal.Signals = signal.SIGTERM, timeout: float = 20.0) -> None:
    """``first`` to the process group led by ``pid``, then SIGKILL when it has not ended after ``timeout``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, first)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not _group_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
