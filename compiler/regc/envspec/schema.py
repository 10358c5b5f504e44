"""The JSON Schema of environment specs, generated from the model (for editors and docs)."""

from __future__ import annotations

import ast
import inspect
import json
from types import ModuleType
from typing import Any

from regc.envspec import model
from regc.envspec.model import Environment


def schema() -> dict[str, Any]:
    document = Environment.model_json_schema(by_alias=True, mode="validation")
    _describe(document, field_docstrings(model))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"


def field_docstrings(module: ModuleType) -> dict[str, dict[str, str]]:
    """The docstring under each field of each class of `module`: {class: {field: text}}."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = found.setdefault(node.name, {})
        for first, second in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                fields[first.target.id] = inspect.cleandoc(second.value.value)
    return found


def _describe(document: dict[str, Any], docstrings: dict[str, dict[str, str]]) -> None:
    """Set the description of every property from its field's docstring (inherited ones too)."""
    definitions = {"Environment": document, **document.get("$defs", {})}
    for name, definition in definitions.items():
        cls = getattr(model, name, None)
        if cls is None:
            continue
        aliases = {(info.alias or field): field for field, info in cls.model_fields.items()}
        for key, prop in definition.get("properties", {}).items():
            field = aliases.get(key, key)
            for base in cls.__mro__:
                text = docstrings.get(base.__name__, {}).get(field)
                if text:
                    prop["description"] = text
                    break
