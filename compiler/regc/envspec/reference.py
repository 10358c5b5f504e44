"""The spec reference in Markdown, generated from the JSON Schema so the docs cannot drift from it."""

from __future__ import annotations

import json
from typing import Any

from regc.envspec.schema import schema


def reference_markdown() -> str:
    document = schema()
    rows: list[str] = []
    _walk(document, document.get("$defs", {}), "", rows)
    return "| key | type | default | meaning |\n|---|---|---|---|\n" + "".join(rows)


def _walk(node: dict[str, Any], defs: dict[str, Any], prefix: str, rows: list[str]) -> None:
    required = set(node.get("required", ()))
    for key, prop in node.get("properties", {}).items():
        path = prefix + key
        target = _resolve(prop, defs)
        description = " ".join((prop.get("description") or target.get("description") or "").split())
        if target.get("type") == "object" and "properties" in target:
            rows.append(f"| `{path}` | mapping | | {_escape(description)} |\n")
            _walk(target, defs, path + ".", rows)
            continue
        default = (
            "required"
            if key in required
            else ("" if prop.get("default") is None else f"`{json.dumps(prop['default'], separators=(', ', ': '))}`")
        )
        rows.append(f"| `{path}` | {_type(target)} | {default} | {_escape(description)} |\n")


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        resolved: dict[str, Any] = defs[prop["$ref"].rsplit("/", 1)[-1]]
        return resolved
    return prop


def _type(node: dict[str, Any] | bool) -> str:
    if not isinstance(node, dict) or not node:
        return "any"
    if "$ref" in node:
        return "mapping"
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return " \\| ".join(f"`{value}`" for value in node["enum"])
    if "anyOf" in node:
        return " \\| ".join(_type(option) for option in node["anyOf"] if option.get("type") != "null")
    if "oneOf" in node:
        return " \\| ".join(_type(option) for option in node["oneOf"])
    kind = node.get("type", "any")
    if kind == "object":
        values = node.get("additionalProperties", {})
        return f"map of {_type(values)}"
    if kind == "array":
        return f"list of {_type(node.get('items', {}))}"
    if kind == "integer" and ("minimum" in node or "maximum" in node):
        return f"integer {node.get('minimum', '')}..{node.get('maximum', '')}"
    return str(kind)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
