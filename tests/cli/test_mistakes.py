"""Every input mistake a user can make is one line on stderr naming what is wrong, exit code 2, before anything
starts: no Prefect server, no model call, no file written."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from tests.conftest import REPO, write_config

runner = CliRunner()
LATIN1 = "prompt: caf\xe9\n".encode("latin-1")  # a byte that is not UTF-8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its content (symlinks to the examples are not followed)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and "examples" not in path.parts
    }


@pytest.fixture
def guarded(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The workspace, with a local-server port no test server uses; after the test, nothing started or changed."""
    port = _free_port()
    monkeypatch.setenv("LLMBENCH_PREFECT_PORT", str(port))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    yield workspace


def one_line_error(result: object, *expected: str) -> str:
    """The single stderr line of a failed command, after checking exit code 2 and that it names ``expected``."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = [line for line in result.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return str(lines[0])


def invoke_untouched(workspace: Path, args: list[str]) -> object:
    """Run the command and check it changed no file and started no server."""
    before = _snapshot(workspace)
    result = runner.invoke(app, args)
    assert _snapshot(workspace) == before
    assert not (workspace / "server").exists() and not (workspace / "prefect").exists()
    port = int(os.environ["LLMBENCH_PREFECT_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # nothing listens there
    return result


COMPARE = ["compare", "--prompt", "What is TCP?"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([*COMPARE, "-m", "sim:oracle-xxl,sim:swift-s"], ["'oracle-xxl'", "did you mean sim:oracle-xl?"]),
        ([*COMPARE, "-m", "opneai:gpt-4o"], ["unknown provider 'opneai'", "did you mean openai?"]),
        ([*COMPARE, "-m", "swift-s"], ["unknown model 'swift-s'", "did you mean sim:swift-s?"]),
        ([*COMPARE, "-m", "sim:swift-s", "--concurrency", "0"], ["--concurrency 0", "1–1000"]),
        ([*COMPARE, "-m", "sim:swift-s", "--concurrency", "-5"], ["--concurrency -5", "1–1000"]),
        ([*COMPARE, "-m", "sim:swift-s", "--concurrency", "many"], ["'--concurrency'"]),
        ([*COMPARE, "-m", "sim:swift-s", "--timeout", "0"], ["--timeout 0", "1–3600"]),
        ([*COMPARE, "-m", "sim:swift-s", "--metrics", ""], ["--metrics must not be empty"]),
        ([*COMPARE, "-m", "sim:swift-s", "--metrics", "bluu"], ["unknown metric 'bluu'", "faithfulness"]),
        ([*COMPARE, "-m", "sim:swift-s", "--bogus"], ["--bogus"]),
        ([*COMPARE, "-m", ","], ["no models given"]),
        (["compare", "-m", "sim:swift-s", "--prompt", ""], ["--prompt must not be empty"]),
        (["compare", "-m", "sim:swift-s", "--prompt", "   "], ["--prompt must not be empty"]),
        (["compare", "--prompt", "hi"], ["'--models'"]),
        (["bench", "examples/datasets/qa_small.jsonl", "-m", "sim:swift-s", "--limit", "0"], ["--limit 0", "1–"]),
        (["bench", "missing.jsonl", "-m", "sim:swift-s"], ["missing.jsonl: dataset not found"]),
        (["bench", "examples", "-m", "sim:swift-s"], ["examples: dataset is a directory"]),
        (["route", "Sort an array", "--max-cost", "-1"], ["--max-cost -1.0", "0–∞"]),
        (["route", "Sort an array", "--min-quality", "1.5"], ["--min-quality 1.5", "0–1"]),
        (["route", "Sort an array", "--strategy", "fastest"], ["--strategy 'fastest'", "balanced"]),
        (["route", "Sort an array", "--models", "sim:oracle-xxl"], ["did you mean sim:oracle-xl?"]),
        (
            ["compare", "-m", "sim:swift-s", "-p", "hi", "--config", "nope.toml"],
            ["--config nope.toml: config file not found"],
        ),
    ],
)
def test_option_and_model_mistakes(guarded: Path, args: list[str], expected: list[str]) -> None:
    one_line_error(invoke_untouched(guarded, args), *expected)


def test_unset_key_names_the_model_and_the_variable(guarded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMBENCH_TEST_UNSET_KEY", raising=False)
    write_config(
        guarded, '[models.gpt]\nprovider = "openai"\nmodel = "gpt-4o-mini"\napi_key_env = "LLMBENCH_TEST_UNSET_KEY"\n'
    )
    result = invoke_untouched(guarded, [*COMPARE, "-m", "gpt,sim:swift-s"])
    one_line_error(result, "model gpt", "$LLMBENCH_TEST_UNSET_KEY", "not set")


def test_declared_model_with_an_unknown_provider_names_its_table(guarded: Path) -> None:
    write_config(guarded, '[models.mine]\nprovider = "opnai"\nmodel = "gpt-4o"\n')
    one_line_error(invoke_untouched(guarded, [*COMPARE, "-m", "mine"]), "[models.mine]", "did you mean openai?")


def test_declared_sim_name_gets_a_suggestion(guarded: Path) -> None:
    write_config(guarded, '[models.fast-one]\nprovider = "sim"\nmodel = "swift-s"\n')
    one_line_error(invoke_untouched(guarded, [*COMPARE, "-m", "fast-on"]), "did you mean fast-one?")


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize(
    ("make", "args", "expected"),
    [
        (
            lambda w: _write(w / "llmbench.toml", b"[orchestration]\n# caf\xe9\n"),
            [*COMPARE, "-m", "sim:swift-s"],
            ["llmbench.toml:2", "not UTF-8"],
        ),
        (
            lambda w: _write(w / "data.jsonl", b'{"id": "a", "prompt": "ok"}\n' + LATIN1),
            ["bench", "data.jsonl", "-m", "sim:swift-s"],
            ["data.jsonl:2", "dataset is not UTF-8"],
        ),
        (
            lambda w: _write(w / "profiles.json", b'{"schema_version": 1, "profiles": {"a/b": {"caf\xe9": 1}}}'),
            ["profiles", "show"],
            ["profiles.json:1", "profile store is not UTF-8", "profiles reset"],
        ),
        (
            lambda w: _write(w / "profiles.json", '{"schema_version": 1, "profiles": {'),
            ["bench", "examples/datasets/qa_small.jsonl", "-m", "sim:swift-s"],
            ["profile store", "corrupt", "left untouched"],
        ),
        (
            lambda w: _write(w / "llmbench.toml", f'[orchestration]\nprofiles_path = "{w}/llmbench.toml/p.json"\n'),
            ["bench", "examples/datasets/qa_small.jsonl", "-m", "sim:swift-s"],
            ["profile store", "llmbench.toml/p.json", "cannot be written"],
        ),
    ],
)
def test_file_mistakes_name_the_file(
    guarded: Path, make: Callable[[Path], Path], args: list[str], expected: list[str]
) -> None:
    make(guarded)
    one_line_error(invoke_untouched(guarded, args), *expected)


def _store_doc(workspace: Path) -> str:
    return (workspace / "profiles.json").read_text()


@pytest.fixture
def healthy_store(guarded: Path) -> Path:
    doc = {"schema_version": 1, "profiles": {"openai/gpt": {"quality_score": 0.8, "avg_latency_ms": 900}}}
    (guarded / "profiles.json").write_text(json.dumps(doc))
    return guarded


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe{}", ["import.json:1", "import file is not UTF-8"]),
        ('{"schema_version": 1, "profiles": {"a/b": {"quality_sc', ["import file", "not valid JSON", "nothing"]),
        ('{"a/b": {"quality_score": 0.9, "avg_latency_ms": Infinity}}', ["import file", "'a/b'", "latency", "inf"]),
        ('{"a/b": {"quality_score": 1.5}}', ["import file", "'a/b'", "quality_mean", "1.5"]),
        ('{"schema_version": -1, "profiles": {}}', ["import file", "schema_version -1"]),
        ('{"schema_version": 1, "profiles": {}}', ["import file", "holds no profiles"]),
        ('{"a/b": {}}', ["import file", "'a/b'", "no quality, latency or cost"]),
        ("[1, 2]", ["import file", "expected a JSON object"]),
    ],
)
def test_bad_import_file_is_called_the_import_file_and_the_store_is_untouched(
    healthy_store: Path, content: bytes | str, expected: list[str]
) -> None:
    _write(healthy_store / "import.json", content)
    line = one_line_error(invoke_untouched(healthy_store, ["profiles", "import", "import.json"]), *expected)
    assert "reset" not in line  # the store is healthy: never advise wiping it


def test_missing_import_file(healthy_store: Path) -> None:
    one_line_error(invoke_untouched(healthy_store, ["profiles", "import", "nope.json"]), "nope.json", "import file")


def test_profiles_reset_takes_provider_colon_model_and_says_when_nothing_matched(healthy_store: Path) -> None:
    missed = invoke_untouched(healthy_store, ["profiles", "reset", "--models", "sim:swift-s"])
    one_line_error(missed, "no learned profile of sim/swift-s", "openai/gpt")
    done = runner.invoke(app, ["profiles", "reset", "--models", "openai:gpt"])
    assert done.exit_code == 0 and "reset 1 profile(s)" in done.stdout
    assert json.loads(_store_doc(healthy_store))["profiles"] == {}


# -- the whole process, as a user runs it ---------------------------------------------------------------------


def _run(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run(
        [sys.executable, "-m", "llmbench.cli", *args],
        cwd=workspace,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "-m", "sim:oracle-xxl,sim:swift-s", "-p", "hi"], "did you mean sim:oracle-xl?"),
        (["compare", "-m", "sim:swift-s", "-p", "hi", "--concurrency", "0"], "--concurrency 0"),
        (["bench", "latin1.jsonl", "-m", "sim:swift-s"], "latin1.jsonl:1"),
        (["route", "Sort an array", "--min-quality", "1.5"], "--min-quality 1.5"),
    ],
)
def test_whole_process_mistakes_are_one_line(guarded: Path, args: list[str], expected: str) -> None:
    _write(guarded / "latin1.jsonl", LATIN1)
    before = _snapshot(guarded)
    done = _run(guarded, *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and expected in done.stderr
    assert _snapshot(guarded) == before and not (guarded / "server").exists()


def test_help_shows_json_as_a_flag(guarded: Path) -> None:
    for command in (["compare"], ["bench"], ["models"], ["route"], ["profiles", "show"], ["server", "status"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        line = next(line for line in text.splitlines() if "--json" in line)
        assert "<bool>" not in line, (command, line)
