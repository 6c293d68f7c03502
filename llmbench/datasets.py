"""Datasets: JSONL (one item per line) or the seed's JSON/YAML form with ``{{var}}`` templates.

A bad line fails with the file, the line number and the field, before any model is called: a regular expression
that does not compile, a JSON Schema that is not one, a tolerance that is neither a number nor a percentage.
Templates fill every text an evaluator reads: prompt, context, the references and the expected strings.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from llmbench.errors import DatasetError
from llmbench.textfiles import decode_utf8, read_bytes
from llmbench.types import DatasetItem

__all__ = ["Dataset", "load_dataset"]

_TEMPLATED = ("prompt", "context", "reference", "references", "incorrect_references", "contains")
_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class Dataset(BaseModel):
    """Items plus what identifies them in a run record (name and content hash)."""

    name: str
    path: str | None = None
    sha256: str
    items: list[DatasetItem] = Field(min_length=1)


def load_dataset(path: str | Path) -> Dataset:
    """Read a ``.jsonl``, ``.json``, ``.yaml`` or ``.yml`` dataset."""
    file = Path(path)
    raw = read_bytes(file, "dataset", DatasetError)
    text = decode_utf8(raw, file, "dataset", DatasetError)
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        name, items = file.stem, _from_jsonl(file, text)
    elif suffix in {".json", ".yaml", ".yml"}:
        name, items = _from_document(file, text, suffix)
    else:
        raise DatasetError(f"{file}: unsupported dataset type {suffix!r}; use .jsonl, .json, .yaml or .yml")
    if not items:
        raise DatasetError(f"{file}: the dataset has no items")
    ids = [i.id for i in items]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise DatasetError(f"{file}: item id {duplicate!r} appears more than once; ids must be unique")
    return Dataset(name=name, path=str(file), sha256=hashlib.sha256(raw).hexdigest(), items=items)


def _item(file: Path, where: str, data: Any) -> DatasetItem:
    if not isinstance(data, dict):
        raise DatasetError(f"{file}:{where}: expected an object with at least 'id' and 'prompt'")
    try:
        return DatasetItem.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "?"
        message = first["msg"].removeprefix("Value error, ")
        raise DatasetError(f"{file}:{where}: field '{field}': {message}") from None


def _from_jsonl(file: Path, text: str) -> list[DatasetItem]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{file}:{number}: not valid JSON ({error.msg} at column {error.colno})") from None
        items.append(_item(file, str(number), data))
    return items


def _render(template: Any, variables: dict[str, Any], file: Path, where: str) -> Any:
    if not isinstance(template, str):
        return template

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in variables:
            raise DatasetError(f"{file}:{where}: template variable '{key}' has no value in 'variables' or 'defaults'")
        return str(variables[key])

    return _VAR.sub(substitute, template)


def _from_document(file: Path, text: str, suffix: str) -> tuple[str, list[DatasetItem]]:
    try:
        doc = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise DatasetError(f"{file}: cannot parse ({error})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("test_cases"), list):
        raise DatasetError(f"{file}: expected a mapping with 'name', optional 'defaults' and a 'test_cases' list")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise DatasetError(f"{file}: 'defaults' must be a mapping")
    items = []
    for index, case in enumerate(doc["test_cases"]):
        where = f"test_cases[{index}]"
        if not isinstance(case, dict):
            raise DatasetError(f"{file}:{where}: expected a mapping")
        variables = {**defaults.get("variables", {}), **case.get("variables", {})}
        merged = {k: v for k, v in defaults.items() if k != "variables"} | {
            k: v for k, v in case.items() if k != "variables"
        }
        merged.setdefault("id", f"case-{index + 1}")
        for key in _TEMPLATED:
            if isinstance(merged.get(key), list):
                merged[key] = [_render(v, variables, file, f"{where}.{key}[{i}]") for i, v in enumerate(merged[key])]
            elif key in merged:
                merged[key] = _render(merged[key], variables, file, f"{where}.{key}")
        items.append(_item(file, where, merged))
    return str(doc.get("name") or file.stem), items
