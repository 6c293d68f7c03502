"""The HTML report opens from disk: nothing loaded from the network, model output escaped, every section there."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from llmbench.comparison import rank_results
from llmbench.report import render_html
from llmbench.tracking.plots import svg_figures
from llmbench.types import ComparisonResult, DatasetItem, ModelResult, RankingWeights

MLFLOW_URL = "http://127.0.0.1:5000/#/experiments/1/runs/abc"
PREFECT_URL = "http://127.0.0.1:4200/runs/flow-run/def"
HOSTILE = '<img src="https://evil.example/x.png" onerror="alert(1)"><script src="http://evil.example/a.js"></script>'


class _Links(HTMLParser):
    """Every URL the page would load or link to, and whether any element carries an event handler."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.handlers: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action") and value:
                self.urls.append((tag, name, value))
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")


def _result(n_items: int = 12) -> ComparisonResult:
    items = [DatasetItem(id=f"q{i}", prompt=f"Question {i}?", reference="ref", context="ctx") for i in range(n_items)]
    results = []
    for i in range(n_items):
        for model, quality, latency, cost in (("sim/a", 0.9, 300.0, 0.01), ("sim/b", 0.6, 90.0, None)):
            failed = model == "sim/b" and i == 3
            results.append(
                ModelResult(
                    model=model,
                    item_id=f"q{i}",
                    success=not failed,
                    response=None if failed else (HOSTILE if i == 0 else f"{model} says {i}"),
                    error="HTTP 503 <b>down</b>" if failed else None,
                    error_type="ServerError" if failed else None,
                    latency_ms=None if failed else latency,
                    cost_usd=None if failed else cost,
                    price_known=cost is not None,
                    scores={} if failed else {"correctness": quality - 0.02 * (i % 3)},
                    simulated=True,
                )
            )
    outcome = rank_results(results, RankingWeights())
    return ComparisonResult(
        name="html",
        models=["sim/a", "sim/b"],
        items=items,
        results=results,
        rankings=outcome.rankings,
        winner=outcome.rankings[0].model,
        recommendations=outcome.recommendations,
        statistics=outcome.statistics,
        pairwise_matrix=outcome.pairwise_matrix,
        metrics=["correctness"],
    )


def _parse(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    return parser


def test_the_page_loads_nothing_from_the_network_and_links_only_to_the_runs() -> None:
    result = _result()
    page = render_html(
        result, links={"MLflow run": MLFLOW_URL, "Prefect flow run": PREFECT_URL}, figures=svg_figures(result)
    )
    parsed = _parse(page)
    external = [(tag, attr, url) for tag, attr, url in parsed.urls if re.match(r"(?i)\s*(https?:)?//", url)]
    assert sorted(url for _, _, url in external) == sorted([MLFLOW_URL, PREFECT_URL])
    assert all(tag == "a" for tag, _, _ in external)  # links to follow, nothing loaded
    assert "<link" not in page and "@import" not in page and "<!DOCTYPE svg" not in page
    assert page.count("<svg") == 4  # the figures are inline


def test_model_output_is_escaped() -> None:
    page = render_html(_result())
    parsed = _parse(page)
    assert parsed.handlers == []  # no onerror= from an answer became an attribute
    assert "evil.example" not in " ".join(url for _, _, url in parsed.urls)
    assert "&lt;script src=&quot;http://evil.example/a.js&quot;&gt;" in page
    assert "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in page
    assert page.count("<script>") == 1  # ours: the filter


def test_every_section_is_there() -> None:
    page = render_html(_result())
    for section in ("ranking", "recommendations", "answers", "metrics", "statistics", "failures"):
        assert f"<section id={section}>" in page, section
    assert "<h2>Failures (1)</h2>" in page and "SIMULATED" in page
    assert "id=filter" in page and "id=failed-only" in page  # the answers filter
    assert page.count("class='item") == 12 and page.count("class='item has-failed'") == 1
    assert "Question 7?" in page and "sim/a says 7" in page
    assert "not significantly different" in page  # tie groups are explained
    assert "[" in page[page.index("<section id=ranking>") : page.index("<section id=recommendations>")]  # intervals


def test_a_single_prompt_page_has_no_statistics_tables_but_says_why() -> None:
    result = _result(1)
    page = render_html(result)
    assert "No intervals or tests" in page and "<h2>Answers</h2>" in page
