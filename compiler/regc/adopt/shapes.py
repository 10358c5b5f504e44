"""Kubernetes' own shapes of the objects an import reads (`kube_shapes.json`, cut from the API's
published schemas): what is not in them is located and refused before any of it is read."""

from __future__ import annotations

import base64
import json
from functools import cache
from importlib import resources
from typing import Any

from regc.adopt.values import Path_, dotted

SHAPES_FILE = "kube_shapes.json"
NAMES = {"set": "set", "object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
         "number": "a number", "boolean": "true or false"}  # fmt: skip


@cache
def _shapes() -> dict[str, Any]:
    shapes: dict[str, Any] = json.loads(resources.files("regc.adopt").joinpath(SHAPES_FILE).read_text("utf-8"))
    return shapes


def kinds() -> dict[str, str]:
    """The kinds whose shape is known, each to its definition's name."""
    return {kind: known["definition"] for kind, known in _shapes()["kinds"].items()}


def misshapen(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """Where `obj` is not as Kubernetes reads its kind (an unknown kind: its metadata), and what
    goes there: a list of (dotted path, "must be ..."). Fields the schema does not name are left
    alone (the import reports them as it reads them); the first wrong value on a path is enough.
    The fields Kubernetes requires are held to only in an object of the version the shapes are of
    (an older API version's object may lack what a newer one requires: the import names that)."""
    found: list[tuple[str, str]] = []
    known = _shapes()["kinds"].get(str(obj.get("kind")))
    if known is None:
        _check(obj.get("metadata"), {"$ref": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}, ("metadata",), found)
    else:
        strict = obj.get("apiVersion") == known["apiVersion"]
        _check(obj, {"$ref": known["definition"]}, (), found, required=strict)
    return found


def shaped_as(value: Any, definition: str) -> list[tuple[str, str]]:
    """Where `value` is not as Kubernetes reads a `definition` (such as a list of
    `io.k8s.api.core.v1.Toleration`, written `io.k8s.api.core.v1.Toleration[]`)."""
    found: list[tuple[str, str]] = []
    many = definition.endswith("[]")
    schema: dict[str, Any] = {"$ref": definition.removesuffix("[]")}
    _check(value, {"type": ["array"], "items": schema} if many else schema, (), found, required=True)
    return found


def _check(
    value: Any,
    schema: dict[str, Any],
    path: Path_,
    found: list[tuple[str, str]],
    entry: bool = False,
    required: bool = False,
) -> None:
    if value is None and not entry:  # Kubernetes reads a null field as one left out (not a null list entry)
        return
    while "$ref" in schema:
        schema = _shapes()["definitions"][schema["$ref"]]
    if "oneOf" in schema:
        options = [t for option in schema["oneOf"] for t in option.get("type", [])]
        if not any(_is(value, t) for t in options):
            found.append((dotted(path), " or ".join(NAMES[t] for t in options)))
        return
    types = schema.get("type", [])
    if types and not any(_is(value, t) for t in types):
        found.append((dotted(path), " or ".join(NAMES[t] for t in types)))
        return
    if isinstance(value, dict):
        if required:
            found += [(dotted((*path, key)), "set") for key in schema.get("required", []) if value.get(key) is None]
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            inner = properties.get(key) if isinstance(key, str) else None
            if inner is None and isinstance(extra, dict):
                inner = extra
            if inner is not None:
                _check(item, inner, (*path, str(key)), found, required=required)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], (*path, index), found, entry=True, required=required)
    elif isinstance(value, str) and schema.get("format") == "byte" and not base64_text(value):
        found.append((dotted(path), "base64 text"))


def _is(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def sealed(value: Any) -> bool:
    """A value sops encrypted (`ENC[...]`), which the import reads as such and never decrypts."""
    return str(value).startswith("ENC[")


def base64_text(value: Any) -> bool:
    """A value Kubernetes decodes as a Secret's data (or one sops encrypted)."""
    if sealed(value):
        return True
    try:
        base64.b64decode(str(value or ""), validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        return False
    return True
