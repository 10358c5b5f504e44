"""The shape of the registry's Configuration type for each major version, as its parser walks it (Go
field names, YAML keys, kinds), read by reflection from distribution's own source into
configuration.json by `tests/tools/regconfig schema` (v2.8.3 and v3.0.0)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("configuration.json")
MAJORS = (2, 3)


@dataclass(frozen=True)
class Field:
    go: str
    yaml: str
    shape: Shape
    inline: bool = False


@dataclass(frozen=True)
class Shape:
    """A Go type of the configuration: kind (struct, map, slice, ptr, interface, string, bool, int,
    uint, float, duration, opaque), its name where it has one (custom YAML decoders go by it)."""

    kind: str
    name: str = ""
    unmarshaler: bool = False
    fields: tuple[Field, ...] = ()
    key: Shape | None = None
    elem: Shape | None = None
    by_yaml: dict[str, Field] = field(default_factory=dict, compare=False, hash=False)

    def field_of(self, key: str) -> Field | None:
        """The field a YAML key fills (inlined structs' fields included)."""
        found = self.by_yaml.get(key)
        if found is not None:
            return found
        for item in self.fields:
            if item.inline and item.shape.kind == "struct":
                inner = item.shape.field_of(key)
                if inner is not None:
                    return inner
        return None

    @property
    def item(self) -> Shape:
        assert self.elem is not None, self
        return self.elem


def _shape(raw: dict[str, Any]) -> Shape:
    fields = tuple(
        Field(str(f["go"]), str(f["yaml"]), _shape(f["type"]), bool(f.get("inline"))) for f in raw.get("fields") or []
    )
    return Shape(
        kind=str(raw["kind"]),
        name=str(raw.get("name", "")),
        unmarshaler=bool(raw.get("unmarshaler")),
        fields=fields,
        key=_shape(raw["key"]) if raw.get("key") else None,
        elem=_shape(raw["elem"]) if raw.get("elem") else None,
        by_yaml={f.yaml: f for f in fields if not f.inline},
    )


@cache
def configuration(major: int) -> Shape:
    """The Configuration type of distribution `major` (2 or 3)."""
    raw = json.loads(SCHEMA_FILE.read_text())
    return _shape(raw[str(major)])
