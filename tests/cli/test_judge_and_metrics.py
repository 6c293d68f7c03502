"""The judge, the default metrics, ``--stats`` and ``llmbench metrics`` as a user meets them: through the CLI.

Runs go through the real flows (Prefect test server, MLflow store in the workspace); the judge answers over real
HTTP from the mock server in judge mode, or offline as a simulated model.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmbench.cli import app
from llmbench.cli._shared import DEFAULT_METRICS_TEXT
from llmbench.errors import ConfigError
from llmbench.evaluators import known_metrics
from llmbench.evaluators.judge import JUDGE_DEFAULT_METRICS
from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.report import render_markdown
from llmbench.types import DEFAULT_METRICS, ComparisonResult
from tests.conftest import write_config

runner = CliRunner()
BENCH = ["bench", "examples/datasets/qa_small.jsonl"]
JUDGE_PRICE = "price = { input_per_mtok = 2.0, output_per_mtok = 8.0 }"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _json(args: list[str]) -> ComparisonResult:
    return ComparisonResult.model_validate_json(_ok([*args, "--json"]))


def _one_line_error(args: list[str], *expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    for text in expected:
        assert text in lines[0], (text, lines[0])


@pytest.fixture
def no_server(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace whose local Prefect port is free: a mistake must fail before anything starts there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("LLMBENCH_PREFECT_PORT", str(port))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return workspace


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(MockServerConfig()) as running:
        yield running


def _judges(mock: MockServer) -> str:
    """Two judges on the mock server: one answering valid verdicts, one malformed ones."""
    return "".join(
        f'[models.judge-{mode}]\nprovider = "openai"\nmodel = "gpt-mock-mini"\nbase_url = "{mock.openai_base_url}"\n'
        f'headers = {{ "x-mock-judge" = "{mode}" }}\n{JUDGE_PRICE}\n\n'
        for mode in ("valid", "malformed")
    )


def test_default_metrics_text_is_the_default_metrics() -> None:
    assert DEFAULT_METRICS_TEXT.split(",") == list(DEFAULT_METRICS)


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ("", ["--judge", "sim:oracle-xxl"], ["--judge 'sim:oracle-xxl'", "did you mean sim:oracle-xl?"]),
        ("", ["--judge", "opnai:gpt-4o"], ["--judge 'opnai:gpt-4o'", "unknown provider 'opnai'"]),
        ("", ["--metrics", "correctness,judge_correctness"], ["'judge_correctness' needs a judge", "--judge"]),
        ("", ["--judge", "sim:oracle-xl", "--metrics", "rubric:tone"], ["'rubric:tone'", "[evaluation.rubrics.tone]"]),
        ("", ["--judge", "sim:oracle-xl", "--metrics", "f1,correctness"], ["--judge 'sim:oracle-xl'", "none of the"]),
        ('[evaluation]\njudge = "nobody"\n', [], ["[evaluation] judge 'nobody'", "unknown model 'nobody'"]),
        (
            '[models.j]\nprovider = "openai"\nmodel = "gpt-4o"\napi_key_env = "LLMBENCH_TEST_UNSET_JUDGE_KEY"\n',
            ["--judge", "j"],
            ["--judge 'j'", "$LLMBENCH_TEST_UNSET_JUDGE_KEY", "not set"],
        ),
    ],
)
def test_judge_mistakes_are_one_line_before_anything_starts(
    no_server: Path, config: str, args: list[str], expected: list[str]
) -> None:
    if config:
        write_config(no_server, config)
    for command in (BENCH, ["compare", "-p", "What is TCP?"]):
        _one_line_error([*command, "-m", "sim:swift-s", *args], *expected)
    assert not (no_server / "server").exists() and not (no_server / "mlflow.db").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_bench_with_a_judge_over_http_scores_counts_failures_and_budgets_the_judge(
    workspace: Path, mock: MockServer
) -> None:
    write_config(workspace, _judges(mock))
    args = [*BENCH, "--limit", "3", "-m", "sim:oracle-xl,sim:swift-s", "--metrics", "correctness,judge_correctness"]

    judged = _json([*args, "--judge", "judge-valid"])
    rows = [r for r in judged.results if r.success]
    assert rows and all("judge_correctness" in r.scores for r in rows)
    assert {r.scores["judge_correctness"] for r in rows} <= {0.0, 0.5, 1.0}
    assert judged.judge_usage is not None
    total = judged.judge_usage.total
    assert total.model == "openai/gpt-mock-mini" and total.evaluations == total.calls == len(rows)
    assert total.failed_evaluations == 0 and total.input_tokens > 0 and total.cost_usd and total.cost_usd > 0

    from mlflow import MlflowClient

    assert judged.links is not None and judged.links.mlflow_run_id
    logged = MlflowClient(judged.links.mlflow_tracking_uri).get_run(judged.links.mlflow_run_id).data
    assert logged.metrics["judge_calls"] == total.calls
    assert logged.metrics["judge_cost_usd"] == pytest.approx(total.cost_usd, rel=1e-5)
    assert logged.metrics["judge_tokens"] == total.input_tokens + total.output_tokens
    assert logged.params["judge"] == "openai/gpt-mock-mini"
    # The judge's cost is its own line: the models' spend is what their answers cost, and nothing more.
    models_cost = sum(r.cost_usd or 0.0 for r in judged.results)
    assert logged.metrics["cost_spent_usd"] == pytest.approx(models_cost, rel=1e-5)
    assert "## Judge" in render_markdown(judged)

    broken = _json([*args, "--judge", "judge-malformed"])
    rows = [r for r in broken.results if r.success]
    assert all("judge_correctness" not in r.scores and "correctness" in r.scores for r in rows)
    errors = [r.eval_errors["judge_correctness"] for r in rows]
    assert all(e.error_type == "UnparseableVerdict" and e.raw for e in errors)  # the raw text is kept
    assert broken.judge_usage is not None and broken.judge_usage.total.failed_evaluations == len(rows)

    shown = _ok([*args, "--judge", "judge-malformed"])
    assert "Judge openai/gpt-mock-mini" in shown and f"{len(rows)} evaluations ({len(rows)} failed)" in shown
    assert "failed" in shown.split("Metrics (mean per model)")[1]


@pytest.mark.usefixtures("prefect_harness")
def test_configured_sim_judge_joins_the_default_metrics_offline(workspace: Path) -> None:
    write_config(workspace, '[evaluation]\njudge = "sim:oracle-xl"\n')
    result = _json([*BENCH, "--limit", "2", "-m", "sim:swift-s"])
    assert result.metrics == [*DEFAULT_METRICS, *JUDGE_DEFAULT_METRICS]
    rows = [r for r in result.results if r.success]
    assert rows and all(set(JUDGE_DEFAULT_METRICS) <= set(r.scores) for r in rows)
    assert result.judge_usage is not None and result.judge_usage.total.model == "sim/oracle-xl"


@pytest.mark.usefixtures("prefect_harness")
def test_default_metrics_and_not_applicable_show_in_the_table(workspace: Path) -> None:
    shown = _ok(["compare", "-m", "sim:swift-s", "-p", "Explain TCP in one sentence."])
    table = shown.split("Metrics (mean per model)")[1]
    assert all(name in table for name in DEFAULT_METRICS)
    assert "n/a" in table  # no reference: correctness does not apply
    assert "correctness: scored 0 of 1 answers; not applicable to 1" in table
    assert "Judge" not in shown  # no judge, no judge line


@pytest.mark.usefixtures("prefect_harness")
def test_stats_flag_overrides_the_config_and_the_table_shows_intervals_and_groups(workspace: Path) -> None:
    write_config(workspace, "[statistics]\nenabled = false\n")
    args = [*BENCH, "-m", "sim:oracle-xl,sim:swift-s", "--metrics", "exact_match,f1,rouge_l,correctness"]
    off = _json(args)
    assert off.statistics is None or not off.statistics.enabled
    on = _json([*args, "--stats"])
    assert on.statistics is not None and on.statistics.enabled
    assert all(r.quality_interval is not None and r.rank_group is not None for r in on.rankings)
    assert "95% intervals; # is the rank group" in _ok([*args, "--stats"])


@pytest.mark.usefixtures("prefect_harness")
def test_two_identical_custom_models_are_tied_on_the_command_line(workspace: Path) -> None:
    models = "".join(
        f'[models.{name}]\nprovider = "sim"\nmodel = "{name}"\nsimulation = {{ quality = {q}, latency_ms = 5 }}\n\n'
        for name, q in [("twin-a", 0.8), ("twin-b", 0.8), ("weak", 0.1)]
    )
    write_config(workspace, models)
    args = ["bench", "examples/datasets/mixed_tasks.jsonl", "-m", "twin-a,twin-b,weak"]
    result = _json(args)
    assert result.statistics is not None and result.statistics.enabled
    groups = {r.model: r.rank_group for r in result.rankings}
    assert groups["sim/twin-a"] == groups["sim/twin-b"] != groups["sim/weak"], groups
    assert result.recommendations is not None
    assert sorted(result.recommendations.tied.get("overall", [])) == ["sim/twin-a", "sim/twin-b"]
    shown = _ok(args)
    assert "tied (not significantly different)" in shown and "twin-a" in shown.split("tied (not")[1]


def test_two_names_for_one_model_are_a_mistake_not_a_silent_merge(no_server: Path) -> None:
    write_config(no_server, "".join(f'[models.twin-{x}]\nprovider = "sim"\nmodel = "balanced-m"\n\n' for x in "ab"))
    _one_line_error(
        [*BENCH, "-m", "twin-a,twin-b"], "'twin-a' and 'twin-b' are both sim/balanced-m", 'model = "twin-b"'
    )


def test_metrics_lists_every_metric_with_needs_cost_and_defaults(workspace: Path) -> None:
    rows = json.loads(_ok(["metrics", "--json"]))
    by_name = {r["name"]: r for r in rows}
    assert set(known_metrics()) | set(JUDGE_DEFAULT_METRICS) == set(by_name)
    assert sorted(n for n, r in by_name.items() if r["default"]) == sorted(DEFAULT_METRICS)
    assert by_name["correctness"]["needs"] == ["reference"] and by_name["correctness"]["judge_calls_per_answer"] == 0
    assert by_name["judge_faithfulness"]["needs"] == ["context", "judge"]
    assert by_name["judge_faithfulness"]["judge_calls_per_answer"] == 2
    assert by_name["exact_match"]["offline_us_per_answer"] > 0

    write_config(
        workspace,
        '[evaluation]\njudge = "sim:oracle-xl"\njudge_repeats = 3\n'
        '[evaluation.rubrics.tone]\ncriteria = "Polite and direct."\n',
    )
    rows = json.loads(_ok(["metrics", "--json"]))
    by_name = {r["name"]: r for r in rows}
    defaults = {n for n, r in by_name.items() if r["default"]}
    assert defaults == {*DEFAULT_METRICS, *JUDGE_DEFAULT_METRICS, "rubric:tone"}
    assert by_name["rubric:tone"]["judge_calls_per_answer"] == 3 and by_name["rubric:tone"]["kind"] == "judge"
    assert by_name["judge_faithfulness"]["judge_calls_per_answer"] == 6

    shown = _ok(["metrics"])
    assert "rubric:tone" in shown and "3 judge calls/answer" in shown and "judge: sim:oracle-xl" in shown


def test_the_prefect_form_has_the_judge_and_a_judge_in_a_request_resolves_like_the_option(workspace: Path) -> None:
    from llmbench.config import load_config
    from llmbench.runs import CompareRequest, resolve_settings

    field = CompareRequest.model_json_schema()["properties"]["judge"]
    assert field["title"] == "Judge model" and field["default"] == ""
    config = load_config()
    judged = resolve_settings(CompareRequest(prompt="hi", models=["sim:swift-s"], judge="sim:oracle-xl"), config)
    assert judged.judge is not None and judged.judge.identifier == "sim/oracle-xl"
    assert judged.metrics == [*DEFAULT_METRICS, *JUDGE_DEFAULT_METRICS]
    chosen = CompareRequest(prompt="hi", models=["sim:swift-s"], judge="sim:oracle-xl", metrics=["f1"])
    with pytest.raises(ConfigError, match="none of the chosen metrics uses a judge"):
        resolve_settings(chosen, config)  # a judge no chosen metric uses would score nothing
    mixed = chosen.model_copy(update={"metrics": ["f1", "judge_correctness"]})
    assert resolve_settings(mixed, config).metrics == ["f1", "judge_correctness"]  # metrics given: the judge adds none
    # A form sends its default metrics back: with a judge they count as left out, so the judge metrics join.
    form = CompareRequest(prompt="hi", models=["sim:swift-s"], judge="sim:oracle-xl", metrics=list(DEFAULT_METRICS))
    assert resolve_settings(form, config).metrics == [*DEFAULT_METRICS, *JUDGE_DEFAULT_METRICS]
    plain = resolve_settings(CompareRequest(prompt="hi", models=["sim:swift-s"]), config)
    assert plain.judge is None and plain.metrics == list(DEFAULT_METRICS)
