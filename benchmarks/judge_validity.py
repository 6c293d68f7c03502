"""Do judge verdicts survive the round trip? Parse failures, failed evaluations and the judge's cost line, for
each judge evaluator on each protocol, against the local mock server answering as a judge.

Why: a judge metric is only as good as the verdicts it can parse. In ``valid`` mode the mock server answers with
the deterministic overlap judge in the schema each protocol's structured-output field carries, so the target is
0 % parse failures on every protocol; the other modes show that broken verdicts (``malformed``: cut JSON,
``off_schema``: JSON that breaks the schema) and judge timeouts (``timeout``: no answer within the per-attempt
deadline, after the runner's retries) are counted as failed evaluations, never scored. Scores here measure the
mock's word-overlap judge, not a real one, so no AUC is printed for them. The judge's price is declared for the
benchmark ($2 / $8 per million tokens in / out); the mock server counts tokens exactly.

    .venv/bin/python benchmarks/judge_validity.py [--protocols openai anthropic ollama] [--modes valid ...]
        [--repeats 1] [--stream]

``benchmarks/evaluator_validity.py`` can call :func:`judge_scores` with its own labelled answers and a judge
model, or :func:`judge_validity` for the rows printed here.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from llmbench.config import EvaluationConfig, RubricConfig
from llmbench.evaluators import evaluate_results
from llmbench.evaluators.judge import build_evaluators, close_evaluators, summarize_judging
from llmbench.execution import RetryPolicy
from llmbench.mock_server import MockServer
from llmbench.types import DatasetItem, JudgeSummary, JudgeUsage, ModelConfig, ModelResult, Price

__all__ = ["ANSWERS", "MODES", "PROTOCOLS", "JudgeValidityRow", "judge_scores", "judge_validity", "main"]

PROTOCOLS = ("openai", "anthropic", "ollama")
MODES = ("valid", "malformed", "off_schema", "timeout")
METRICS = ("judge_faithfulness", "judge_correctness", "judge_relevance", "rubric:grounded")
RUBRICS = {"grounded": RubricConfig(criteria="The answer states the fact the question asks for, from the context.")}
TARGET_VALID_PARSE_FAILURES = 0.0
JUDGE_PRICE = Price(input_per_mtok=2.0, output_per_mtok=8.0)
_MOCK_MODELS = {"openai": "gpt-mock-mini", "anthropic": "claude-mock", "ollama": "llama-mock"}
_POLICY = RetryPolicy(max_attempts=2, backoff_initial_seconds=0.01, backoff_max_seconds=0.05, timeout_seconds=10)
_TIMEOUT_POLICY = _POLICY.model_copy(update={"timeout_seconds": 0.2})


def _item(i: int, prompt: str, context: str, reference: str) -> DatasetItem:
    return DatasetItem(id=f"j{i}", prompt=prompt, context=context, reference=reference)


_ITEMS = [
    _item(1, "What is the capital of Australia?", "Canberra is the capital of Australia.", "Canberra"),
    _item(2, "Who wrote Middlemarch?", "Middlemarch is a novel by George Eliot, published in 1871.", "George Eliot"),
    _item(3, "How many moons does Mars have?", "Mars has two small moons, Phobos and Deimos.", "Two"),
    _item(4, "Can penguins fly?", "Penguins are flightless birds; their wings work as flippers.", "No"),
    _item(5, "What gas do plants absorb?", "Plants absorb carbon dioxide and release oxygen.", "Carbon dioxide"),
    _item(6, "Where is the Atacama Desert?", "The Atacama Desert lies in northern Chile.", "Northern Chile"),
]
#: (item, answer, is the answer right): short and long right answers, wrong facts, negations, off-topic text.
ANSWERS: list[tuple[DatasetItem, str, bool]] = [
    (_ITEMS[0], "Canberra.", True),
    (_ITEMS[0], "Sydney is the capital of Australia.", False),
    (_ITEMS[1], "Middlemarch was written by George Eliot and published in 1871.", True),
    (_ITEMS[1], "Charles Dickens wrote it in 1850.", False),
    (_ITEMS[2], "Mars has two moons, Phobos and Deimos.", True),
    (_ITEMS[2], "Mars has no moons at all.", False),
    (_ITEMS[3], "No, penguins are flightless birds.", True),
    (_ITEMS[3], "Yes, penguins fly south every winter.", False),
    (_ITEMS[4], "Plants absorb carbon dioxide.", True),
    (_ITEMS[4], "A good espresso depends on the grind size.", False),
    (_ITEMS[5], "The Atacama Desert is in northern Chile.", True),
    (_ITEMS[5], "It is in southern Argentina, near the Andes.", False),
]


@dataclass(frozen=True)
class JudgeValidityRow:
    """One evaluator on one protocol in one mock judge mode."""

    metric: str
    protocol: str
    mode: str
    usage: JudgeUsage
    wall_s: float

    @property
    def parse_failure_rate(self) -> float | None:
        return self.usage.parse_failure_rate


async def judge_scores(
    answers: Sequence[tuple[DatasetItem, str]],
    judge: ModelConfig,
    metrics: Sequence[str] = METRICS,
    *,
    evaluation: EvaluationConfig | None = None,
    policy: RetryPolicy | None = None,
) -> tuple[list[ModelResult], JudgeSummary | None]:
    """Score each (item, answer) with the judge metrics: the scored rows (failures in ``eval_errors``) and the
    judge's budget line. For labelled sets, e.g. the AUC of a judge metric in evaluator_validity.py."""
    evaluation = evaluation or EvaluationConfig(rubrics=RUBRICS, judge_concurrency=8)
    rows = [
        ModelResult(model="answers", item_id=f"{item.id}#{n}", success=True, response=answer)
        for n, (item, answer) in enumerate(answers)
    ]
    items = {f"{item.id}#{n}": item for n, (item, _) in enumerate(answers)}
    evaluators = build_evaluators(list(metrics), evaluation, judge, policy=policy)
    try:
        scored = await evaluate_results(rows, items, evaluators)
    finally:
        await close_evaluators(evaluators)
    return scored, summarize_judging(scored)


def _judge_on(server: MockServer, protocol: str, mode: str, stream: bool) -> ModelConfig:
    urls = {"openai": server.openai_base_url, "anthropic": server.anthropic_base_url, "ollama": server.ollama_base_url}
    headers = {"x-mock-fault": "timeout", "x-mock-delay": "2"} if mode == "timeout" else {"x-mock-judge": mode}
    return ModelConfig(
        provider=protocol,
        model=_MOCK_MODELS[protocol],
        base_url=urls[protocol],
        headers=headers,
        price=JUDGE_PRICE,
        stream=stream,
    )


def judge_validity(
    protocols: Sequence[str] = PROTOCOLS,
    modes: Sequence[str] = MODES,
    *,
    repeats: int = 1,
    stream: bool = False,
    answers: Sequence[tuple[DatasetItem, str]] | None = None,
) -> list[JudgeValidityRow]:
    """Every judge metric on every protocol and mode, against a mock server started here."""
    pairs = answers if answers is not None else [(item, text) for item, text, _ in ANSWERS]
    evaluation = EvaluationConfig(rubrics=RUBRICS, judge_concurrency=8, judge_repeats=repeats)
    out: list[JudgeValidityRow] = []
    with MockServer() as server:
        for protocol in protocols:
            for mode in modes:
                judge = _judge_on(server, protocol, mode, stream)
                policy = _TIMEOUT_POLICY if mode == "timeout" else _POLICY
                started = time.perf_counter()
                _, summary = asyncio.run(judge_scores(pairs, judge, evaluation=evaluation, policy=policy))
                wall = time.perf_counter() - started
                assert summary is not None
                for metric, usage in summary.by_metric.items():
                    out.append(JudgeValidityRow(metric, protocol, mode, usage, wall))
    return out


def format_rows(rows: Sequence[JudgeValidityRow]) -> str:
    header = (
        f"{'metric':<20} {'protocol':<10} {'mode':<11} {'evals':>5} {'failed':>6} {'parse fail':>10} "
        f"{'calls':>5} {'failed':>6} {'tokens in':>9} {'out':>6} {'cost':>11} {'run s':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        u = r.usage
        rate = "—" if r.parse_failure_rate is None else f"{r.parse_failure_rate:.1%}"
        cost = "unknown" if u.cost_usd is None else f"${u.cost_usd:.6f}"
        lines.append(
            f"{r.metric:<20} {r.protocol:<10} {r.mode:<11} {u.evaluations:>5} {u.failed_evaluations:>6} {rate:>10} "
            f"{u.calls:>5} {u.failed_calls:>6} {u.input_tokens:>9} {u.output_tokens:>6} {cost:>11} {r.wall_s:>6.1f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args(argv)
    rows = judge_validity(args.protocols, args.modes, repeats=args.repeats, stream=args.stream)
    print(f"{len(ANSWERS)} answers ({sum(r for *_, r in ANSWERS)} right), judge price declared $2 / $8 per Mtok")
    print(format_rows(rows))
    valid = [r for r in rows if r.mode == "valid"]
    worst = max((r.parse_failure_rate or 0.0 for r in valid), default=None)
    if worst is not None:
        verdict = "meets" if worst <= TARGET_VALID_PARSE_FAILURES else "MISSES"
        print(
            f"\nvalid mode: worst parse-failure rate {worst:.1%} {verdict} the target {TARGET_VALID_PARSE_FAILURES:.0%}"
        )
    if any(r.usage.failed_calls for r in rows):
        print("(cost sums the answered calls: a failed call returns no usage to price; 'run s' is the whole run)")
    broken = [r for r in rows if r.mode != "valid"]
    if broken:
        counted = all(r.usage.failed_evaluations == r.usage.evaluations for r in broken)
        print(f"broken modes: every evaluation counted as failed, none scored: {'yes' if counted else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
