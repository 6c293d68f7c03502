from __future__ import annotations

from pathlib import Path

import pytest

from llmbench.datasets import load_dataset
from llmbench.errors import DatasetError
from llmbench.types import TaskType

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "datasets"


def test_shipped_datasets_load() -> None:
    qa = load_dataset(EXAMPLES / "qa_small.jsonl")
    assert qa.name == "qa_small" and len(qa.items) >= 10
    assert all(i.reference and i.context for i in qa.items)
    mixed = load_dataset(EXAMPLES / "mixed_tasks.jsonl")
    assert {i.task_type for i in mixed.items} >= {TaskType.CODING, TaskType.TRANSLATION, TaskType.CREATIVE}
    assert len(qa.sha256) == 64 and qa.sha256 != mixed.sha256


def test_seed_document_form_fills_templates() -> None:
    capitals = load_dataset(EXAMPLES / "capitals.yaml")
    first = capitals.items[0]
    assert capitals.name == "capitals"
    assert first.prompt == "What is the capital of France?"
    assert first.reference == "The capital of France is Paris."
    assert first.task_type is TaskType.QUESTION_ANSWERING


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ('{"id": "a", "prompt": "hi"}\n{"id": "b"}\n', "bad.jsonl:2: field 'prompt'"),
        ('{"id": "a", "prompt": "hi"}\n{not json\n', "bad.jsonl:2: not valid JSON"),
        ('{"id": "a", "prompt": "hi", "task_type": "dancing"}\n', "bad.jsonl:1: field 'task_type'"),
        ('{"id": "a", "prompt": "hi"}\n{"id": "a", "prompt": "again"}\n', "item id 'a' appears more than once"),
        ("\n\n", "has no items"),
    ],
)
def test_bad_lines_name_file_line_and_field(tmp_path: Path, lines: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(lines)
    with pytest.raises(DatasetError, match=None) as caught:
        load_dataset(path)
    assert expected in str(caught.value)


def test_missing_template_variable_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("name: t\ntest_cases:\n  - prompt: 'Capital of {{country}}?'\n")
    with pytest.raises(DatasetError, match=r"test_cases\[0\]\.prompt: template variable 'country'"):
        load_dataset(path)
