"""What people read of a run: the Markdown report, the self-contained HTML report, flat rows for tables, the
run's title and outcome lines, and the diff of two runs. One package, so every surface says the same thing.

- :mod:`~llmbench.report.markdown`: the Markdown report (Prefect artifact, MLflow ``report.md``);
- :mod:`~llmbench.report.items`: its answers section (side by side for one prompt, per item for a dataset);
- :mod:`~llmbench.report.statistics`, :mod:`~llmbench.report.judge`, :mod:`~llmbench.report.metrics`: sections;
- :mod:`~llmbench.report.html`: the HTML report (``llmbench report RUN --html FILE``);
- :mod:`~llmbench.report.rows`: rounded flat rows (ranking table artifact, MLflow per-item table);
- :mod:`~llmbench.report.summary`: the run's title and the lines a flow run logs;
- :mod:`~llmbench.report.diff`: what changed between two runs.
"""

from __future__ import annotations

from llmbench.report.diff import ItemChange, ModelDiff, RunDiff, diff_results
from llmbench.report.format import cost_text, group_text, interval_text
from llmbench.report.html import render_html
from llmbench.report.items import ANSWER_EXCERPT_CHARS, MARKDOWN_ITEMS
from llmbench.report.judge import judge_markdown, judge_usage_text
from llmbench.report.markdown import render_markdown
from llmbench.report.metrics import MetricCoverage, metric_coverage
from llmbench.report.rows import RESPONSE_PREVIEW_CHARS, item_rows, ranking_rows
from llmbench.report.summary import outcome_lines, run_title

__all__ = [
    "ANSWER_EXCERPT_CHARS",
    "MARKDOWN_ITEMS",
    "RESPONSE_PREVIEW_CHARS",
    "ItemChange",
    "MetricCoverage",
    "ModelDiff",
    "RunDiff",
    "cost_text",
    "diff_results",
    "group_text",
    "interval_text",
    "item_rows",
    "judge_markdown",
    "judge_usage_text",
    "metric_coverage",
    "outcome_lines",
    "ranking_rows",
    "render_html",
    "render_markdown",
    "run_title",
]
