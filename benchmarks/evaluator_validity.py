"""Do the offline scores track truth? AUC of separating right from wrong answers on a labelled set.

The set (``benchmarks/data/evaluator_validity.jsonl``, written for llmbench, no public dataset text) has two
styles: *halueval* items (a knowledge passage, a question, a right answer, often short, and a hallucinated one,
often a fluent sentence with a swapped or invented fact) and *truthfulqa* items (a question, a best answer,
more correct answers and common misconceptions, often the same words with the polarity flipped). Both carry
extra right answers (short and long) and wrong ones (off-topic, refusal, empty, repetitive, non-English).
A quarter of the items (split "heldout") was only scored once the evaluators were final.

Settings (what the evaluators are given besides the question):
  reference        the best answer as reference, plus the knowledge as context when the item has one
  context          the knowledge only (halueval items)
  correct+incorrect  the other correct answers as references and the other wrong ones as incorrect references
                   (leave-one-out: an answer is never compared with itself)
  one reference    the best answer only
  question only    nothing

Printed per setting and style: for each evaluator and for the combined quality (the ranking's
:func:`~llmbench.evaluators.item_quality` over the default metrics; "quality (all)" over every offline metric;
"quality (+semantic)" over the defaults plus semantic_similarity when the ``embeddings`` extra is installed),
the AUC (ties count half), the within-item pairwise accuracy (right strictly above wrong), the share of tied
pairs, and the AUCs of "the shorter answer is right" and "the longer answer is right" as baselines.
Targets are printed, not asserted. Run: ``PYTHONPATH=. .venv/bin/python benchmarks/evaluator_validity.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmbench.evaluators import EVALUATORS, Evaluator, embeddings_available, item_quality
from llmbench.types import DEFAULT_METRICS, DatasetItem

DATA = Path(__file__).resolve().parent / "data" / "evaluator_validity.jsonl"
SETTINGS = ("reference", "context", "correct+incorrect", "one reference", "question only")
SEMANTIC = "semantic_similarity"
OFFLINE = sorted(
    name for name, cls in EVALUATORS.items() if cls.judge_calls == 0 and (name != SEMANTIC or embeddings_available())
)
#: (setting, style or None for all) -> minimum quality AUC: the brief's targets on this set and the targets
#: set for public data of the same style.
TARGETS: dict[tuple[str, str | None], float] = {
    ("reference", None): 0.9,
    ("context", None): 0.8,
    ("context", "halueval"): 0.85,
    ("correct+incorrect", "truthfulqa"): 0.75,
    ("one reference", "truthfulqa"): 0.65,
}
FLOOR = 0.5


@dataclass
class Case:
    """One answer scored in one setting."""

    record_id: str
    style: str
    label: int
    answer: str
    item: DatasetItem
    scores: dict[str, float] = field(default_factory=dict)


def load(split: str) -> list[dict]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def _answers(row: dict) -> list[tuple[str, int]]:
    return [(row["best_answer"], 1)] + [(a["text"], a["label"]) for a in row["answers"]]


def cases(row: dict, setting: str) -> list[Case]:
    """The answers of ``row`` with the item each is scored against in ``setting``."""
    base = {"id": row["id"], "prompt": row["question"]}
    knowledge = row.get("knowledge")
    answers = _answers(row)
    out: list[Case] = []
    if setting in ("reference", "one reference"):
        context = knowledge if setting == "reference" else None
        item = DatasetItem(**base, reference=row["best_answer"], context=context)
        out = [Case(row["id"], row["style"], label, text, item) for text, label in answers[1:]]
    elif setting == "context" and knowledge:
        item = DatasetItem(**base, context=knowledge)
        out = [Case(row["id"], row["style"], label, text, item) for text, label in answers]
    elif setting == "question only":
        item = DatasetItem(**base)
        out = [Case(row["id"], row["style"], label, text, item) for text, label in answers]
    elif setting == "correct+incorrect":
        for index, (text, label) in enumerate(answers):
            others = [(t, lab) for i, (t, lab) in enumerate(answers) if i != index and t.strip()]
            correct = [t for t, lab in others if lab == 1]
            wrong = [t for t, lab in others if lab == 0]
            if correct:
                item = DatasetItem(**base, references=correct, incorrect_references=wrong)
                out.append(Case(row["id"], row["style"], label, text, item))
    return out


def score(all_cases: list[Case], evaluators: list[Evaluator]) -> float:
    """Fill every case's scores; returns seconds spent."""

    async def run() -> None:
        for case in all_cases:
            for evaluator in evaluators:
                verdict = await evaluator.evaluate(case.item, case.answer)
                if verdict is not None:
                    case.scores[evaluator.name] = verdict.score

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """P(a right answer scores above a wrong one), ties counting half."""
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def pairwise(group: list[Case], value: Callable[[Case], float | None]) -> tuple[int, int, int]:
    """(strict wins, ties, pairs) over the right/wrong answer pairs of each item."""
    by_item: dict[str, list[Case]] = defaultdict(list)
    for case in group:
        by_item[case.record_id].append(case)
    wins = ties = pairs = 0
    for members in by_item.values():
        right = [v for c in members if c.label == 1 and (v := value(c)) is not None]
        wrong = [v for c in members if c.label == 0 and (v := value(c)) is not None]
        for r in right:
            for w in wrong:
                pairs += 1
                wins += r > w
                ties += r == w
    return wins, ties, pairs


def quality(case: Case, metrics: list[str] | None) -> float | None:
    chosen = {k: v for k, v in case.scores.items() if metrics is None or k in metrics}
    return item_quality(chosen) if chosen else None


def area_for(group: list[Case], value: Callable[[Case], float | None]) -> float | None:
    values = [(c.label, v) for c in group if (v := value(c)) is not None]
    return auc([v for lab, v in values if lab == 1], [v for lab, v in values if lab == 0])


def row_for(name: str, group: list[Case], value: Callable[[Case], float | None]) -> str:
    values = [(c.label, v) for c in group if (v := value(c)) is not None]
    area = area_for(group, value)
    if area is None:
        return f"  {name:<22} {'not applicable':>14}"
    wins, ties, pairs = pairwise(group, value)
    accuracy = wins / pairs if pairs else float("nan")
    tie_share = ties / pairs if pairs else float("nan")
    return f"  {name:<22} {area:>6.3f} {accuracy:>9.3f} {tie_share:>7.3f} {len(values):>6}"


def report(group: list[Case], title: str, all_metrics: list[str]) -> float | None:
    print(f"\n{title}")
    print(f"  {'evaluator':<22} {'AUC':>6} {'pair acc':>9} {'ties':>7} {'n':>6}")
    for name in all_metrics:
        print(row_for(name, group, lambda c, n=name: c.scores.get(n)))
    print(row_for("quality", group, lambda c: quality(c, list(DEFAULT_METRICS))))
    print(row_for("quality (all)", group, lambda c: quality(c, None)))
    if SEMANTIC in all_metrics:
        print(row_for("quality (+semantic)", group, lambda c: quality(c, [*DEFAULT_METRICS, SEMANTIC])))
    print(row_for("baseline: shorter", group, lambda c: -float(len(c.answer))))
    print(row_for("baseline: longer", group, lambda c: float(len(c.answer))))
    baseline = max(area_for(group, lambda c: -float(len(c.answer))) or 0.0, area_for(group, _length) or 0.0)
    areas = {name: area_for(group, lambda c, n=name: c.scores.get(n)) for name in all_metrics}
    below = [name for name, area in areas.items() if area is not None and area <= baseline]
    print(f"  below a length baseline ({baseline:.3f}): {', '.join(below) or 'none'}")
    return area_for(group, lambda c: quality(c, list(DEFAULT_METRICS)))


def _length(case: Case) -> float:
    return float(len(case.answer))


def run_split(split: str, metrics: list[str]) -> tuple[dict[tuple[str, str | None], float | None], float, int]:
    rows = load(split)
    evaluators = [EVALUATORS[name]() for name in metrics]
    defaults = [EVALUATORS[name]() for name in DEFAULT_METRICS]
    summary: dict[tuple[str, str | None], float | None] = {}
    seconds, n_answers = 0.0, 0
    for setting in SETTINGS:
        group = [c for row in rows for c in cases(row, setting)]
        if not group:
            continue
        timed = [Case(c.record_id, c.style, c.label, c.answer, c.item) for c in group]
        seconds += score(timed, defaults)  # the default metrics alone, as a run computes them
        n_answers += len(timed)
        score(group, evaluators)
        styles = sorted({c.style for c in group})
        summary[(setting, None)] = report(group, f"[{split}] {setting} — all styles ({len(group)} answers)", metrics)
        for style in styles:
            members = [c for c in group if c.style == style]
            summary[(setting, style)] = report(members, f"[{split}] {setting} — {style}", metrics)
    return summary, seconds, n_answers


def semantic_ms_per_answer(splits: tuple[str, ...]) -> float:
    """Time of the embedding metric alone on the one-reference setting, after one warm-up call."""
    group = [c for split in splits for row in load(split) for c in cases(row, "one reference")]
    evaluator = EVALUATORS[SEMANTIC]()
    score(group[:1], [evaluator])  # loads the model
    fresh = [Case(c.record_id, c.style, c.label, c.answer + " ", c.item) for c in group]  # not yet cached
    return score(fresh, [evaluator]) / len(fresh) * 1000


def print_summary(split: str, summary: dict[tuple[str, str | None], float | None]) -> None:
    print(f"\nSummary [{split}]: quality AUC per setting (target where one is set; floor {FLOOR} everywhere)")
    for (setting, style), value in summary.items():
        if value is None:
            continue
        target = TARGETS.get((setting, style))
        goal = max(target or 0.0, FLOOR)
        verdict = "ok" if value >= goal else "BELOW"
        label = f"{setting} / {style or 'all'}"
        print(f"  {label:<36} {value:6.3f}  target {goal:.2f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all", "both"), default="both")
    parser.add_argument("--metrics", default=",".join(OFFLINE), help="comma-separated evaluators to report")
    args = parser.parse_args()
    metrics = [m for m in args.metrics.split(",") if m]
    splits = ("dev", "heldout") if args.split == "both" else (args.split,)
    timings = []
    for split in splits:
        summary, seconds, n = run_split(split, metrics)
        print_summary(split, summary)
        timings.append((seconds, n))
    seconds = sum(s for s, _ in timings)
    n = sum(k for _, k in timings)
    per_answer = seconds / n * 1000
    print(
        f"\nOffline evaluation with the default metrics ({', '.join(DEFAULT_METRICS)}): "
        f"{per_answer:.3f} ms per answer over {n} answers (target ≤ 1 ms)"
    )
    if SEMANTIC in metrics:
        print(f"semantic_similarity: {semantic_ms_per_answer(splits):.1f} ms per answer (model load excluded)")
    print(f"Answers in the set: {statistics.fsum(1 + len(r['answers']) for r in load('all')):.0f}")


if __name__ == "__main__":
    main()
