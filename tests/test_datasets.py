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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id": "a", "prompt": "p", "regex": "(unclosed"}', "bad.jsonl:1: field 'regex': invalid regular expression"),
        ('{"id": "a", "prompt": "p", "json_schema": {"type": 12}}', "bad.jsonl:1: field 'json_schema': not a valid"),
        ('{"id": "a", "prompt": "p", "numeric_tolerance": "lots"}', "field 'numeric_tolerance': expected a number"),
        ('{"id": "a", "prompt": "p", "numeric_tolerance": -1}', "field 'numeric_tolerance': must be >= 0"),
        ('{"id": "a", "prompt": "p", "references": ["ok", ""]}', "bad.jsonl:1: field 'references.1'"),
        ('{"id": "a", "prompt": "p", "answer_format": "xml"}', "field 'answer_format'"),
    ],
)
def test_reference_fields_are_validated_with_file_line_and_field(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_reference_fields_load_and_combine(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text(
        '{"id": "a", "prompt": "p", "reference": "Paris", "references": "the city of Paris", '
        '"incorrect_references": ["Lyon"], "contains": "Paris", "regex": ["(?i)paris"], "numeric_tolerance": "2%", '
        '"json_schema": {"type": "object"}, "answer_format": "json"}\n'
    )
    item = load_dataset(path).items[0]
    assert item.correct_references == ["Paris", "the city of Paris"]
    assert item.incorrect_references == ["Lyon"] and item.contains == ["Paris"] and item.regex == ["(?i)paris"]
    assert item.tolerances() == (0.0, pytest.approx(0.02))
    assert item.model_copy(update={"numeric_tolerance": 0.5}).tolerances() == (0.5, 1e-9)


def test_document_form_fills_templates_in_reference_lists(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\ndefaults:\n  prompt: 'Capital of {{country}}?'\n  references: ['{{capital}}', 'It is {{capital}}.']\n"
        "  incorrect_references: ['{{wrong}}']\n  contains: ['{{capital}}']\n"
        "test_cases:\n  - variables: {country: France, capital: Paris, wrong: Lyon}\n"
        "  - variables: {country: Peru, capital: Lima}\n"
    )
    with pytest.raises(DatasetError, match=r"test_cases\[1\]\.incorrect_references\[0\]: template variable 'wrong'"):
        load_dataset(path)
    path.write_text(path.read_text().replace("capital: Lima}", "capital: Lima, wrong: Cusco}"))
    first = load_dataset(path).items[0]
    assert first.references == ["Paris", "It is Paris."] and first.incorrect_references == ["Lyon"]
    assert first.contains == ["Paris"]
