"""The published CRDs of what regc emits (`tests/crds/`, each file's source commit in `SOURCES`), and
validation of an object against its served version's `openAPIV3Schema` as the API server does with
strict field validation: unknown fields refused, types, patterns, enums, formats, int-or-string,
nullable, and the CEL rules (`x-kubernetes-validations`) evaluated by cel-python."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

CRDS = Path(__file__).resolve().parent / "crds"
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
OBJECT_META = {"name", "namespace", "labels", "annotations", "finalizers", "generateName"}


@functools.cache
def schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> the served version's openAPIV3Schema, for every vendored CRD."""
    yaml = YAML(typ="safe", pure=False)
    found = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served", True):
                found[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return found


def is_custom(obj: dict) -> bool:
    return (obj.get("apiVersion"), obj.get("kind")) in schemas()


def _strict(node: dict, root: bool = False) -> dict:
    """The structural schema as JSON Schema: what the API server accepts, no more."""
    node = {k: v for k, v in node.items() if k != "x-kubernetes-validations"}
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    if "properties" in node:
        node["properties"] = {k: _strict(v) for k, v in node["properties"].items()}
        if root and "metadata" in node["properties"]:
            node["properties"]["metadata"] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: {} for k in OBJECT_META},
            }
        if not node.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in node:
            node["additionalProperties"] = False
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _strict(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"])
    for key in ("anyOf", "allOf", "oneOf"):
        if key in node:
            node[key] = [_strict(v) for v in node[key]]
    return node


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    checker = jsonschema.FormatChecker([])
    checker.checks("int32")(lambda v: not isinstance(v, int) or -(2**31) <= v < 2**31)
    checker.checks("int64")(lambda v: not isinstance(v, int) or -(2**63) <= v < 2**63)
    schema = _strict(copy.deepcopy(schemas()[(api_version, kind)]), root=True)
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def problems(obj: dict) -> list[str]:
    """Why the API server would refuse `obj` (an object of a vendored CRD); empty when it accepts it."""
    key = (obj["apiVersion"], obj["kind"])
    found = [
        f"{'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in _validator(*key).iter_errors(obj)
    ]
    name = obj.get("metadata", {}).get("name", "")
    if not (DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        found.append(f"metadata.name: {name!r} is not a DNS subdomain")
    found += _cel(schemas()[key], obj, "")
    return found


def _cel(schema: dict, value, path: str) -> list[str]:
    """Evaluate every x-kubernetes-validations rule that applies at each point of `value`."""
    found = []
    for rule in schema.get("x-kubernetes-validations", []):
        if not _evaluate(rule["rule"], value):
            found.append(f"{path or '(root)'}: {rule.get('message', rule['rule'])}")
    if isinstance(value, dict):
        for key, child in value.items():
            sub = schema.get("properties", {}).get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if sub is not None:
                found += _cel(sub, child, f"{path}.{key}".lstrip("."))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, child in enumerate(value):
            found += _cel(schema["items"], child, f"{path}[{index}]")
    return found


def _evaluate(rule: str, value) -> bool:
    import celpy

    environment = celpy.Environment()
    program = environment.program(environment.compile(rule))
    return bool(program.evaluate({"self": celpy.json_to_cel(value)}))
