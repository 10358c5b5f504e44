"""YAML as the registry's decoder (gopkg.in/yaml.v2) reads it: YAML 1.1 scalars (`yes` and `on` are
true), a quoted or block scalar always text, durations as Go writes them; nodes keep their position."""

from __future__ import annotations

import math
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from regc import yamlread

PLAIN = "!plain"  # a plain scalar, left for `resolve` to type as yaml.v2 does

# gopkg.in/yaml.v2 v2.4.0 resolve.go: resolveMapList.
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[-+]\d{2}:\d{2})?)?$")
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")
INT64 = 2**63


class Timestamp(str):
    """A scalar yaml.v2 resolves as a timestamp: text everywhere the registry reads it."""


def resolve(text: str) -> Any:
    """A plain scalar typed as yaml.v2's `resolve` types it (an int, a float, true/false, null or text)."""
    if text in _WORDS:
        return _WORDS[text]
    hint = text[:1]
    if hint == "." or (hint and hint in "+-0123456789"):
        if hint != "." and _TIMESTAMP.match(text):
            return Timestamp(text)
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None and -INT64 <= number < 2**64:
            return number
        if _FLOAT.match(plain):
            return float(plain)
    return text


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64): base prefixes 0x, 0o, 0b and a bare leading 0 (octal)."""
    if not _GO_INT.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    lower = digits.lower()
    if lower.startswith("0x"):
        return sign * int(lower[2:], 16)
    if lower.startswith("0b"):
        return sign * int(lower[2:], 2)
    if lower.startswith("0o"):
        return sign * int(lower[2:], 8)
    if len(lower) > 1 and lower.startswith("0"):
        return sign * int(lower[1:], 8)
    return sign * int(lower)


class _Raw(VersionedResolver):
    """Leaves plain scalars untyped; quoted and block scalars are text, as in yaml.v2."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return Tag(suffix=PLAIN)
        return super().resolve(kind, value, implicit)


class YamlError(ValueError):
    """YAML the registry cannot read, with where (1-based line and column; 0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def compose(text: str) -> Node | None:
    """The node tree of the first document (None for an empty one); nesting past what regc reads is
    refused where it starts (yamlread's bound), before the recursive composer could overflow."""
    refused = yamlread.too_deep(text)  # a %YAML 1.1 directive is the registry's own YAML: read, not refused
    if refused is not None:
        raise YamlError(refused.message, refused.line, refused.column)
    reader = YAML(typ="safe", pure=True)
    reader.Resolver = _Raw
    try:
        return reader.compose(text)  # type: ignore[no-any-return]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise YamlError(str(exc.problem or exc.context or "not valid YAML"), line, column) from None
    except (YAMLError, RecursionError) as exc:
        raise YamlError(f"not valid YAML ({type(exc).__name__})") from None


def position(node: Node | None) -> tuple[int, int]:
    mark = node.start_mark if node is not None else None
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def scalar(node: ScalarNode) -> Any:
    """A scalar node's value as yaml.v2 resolves it (quoted and block scalars are text)."""
    tag = str(node.tag)
    if tag == PLAIN:
        return resolve(node.value)
    if tag.endswith((":str", ":binary")) or not tag.startswith(("tag:yaml.org,2002:", "!!")):
        return str(node.value)
    if tag.endswith(":null"):
        return None
    value = resolve(node.value)
    if tag.endswith(":bool") and not isinstance(value, bool):
        raise YamlError(f"cannot decode `{node.value}` as a !!bool", *position(node))
    if tag.endswith((":int", ":float")) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise YamlError(f"cannot decode `{node.value}` as a number", *position(node))
    if tag.endswith(":float") and isinstance(value, int):
        return float(value)
    return value


def generic(node: Node) -> Any:
    """A node decoded into Go's interface{}: mappings as `AnyMap`, sequences as lists."""
    if isinstance(node, ScalarNode):
        value = scalar(node)
        return str(value) if isinstance(value, Timestamp) else value
    if isinstance(node, SequenceNode):
        return [generic(item) for item in node.value]
    found = AnyMap()
    assert isinstance(node, MappingNode)
    for key, value in merged(node):
        found[_hashable(generic(key))] = generic(value)
    return found


def _hashable(key: Any) -> Any:
    return key if not isinstance(key, (dict, list)) else str(key)


class AnyMap(dict[Any, Any]):
    """A mapping yaml.v2 decoded into an interface{} (Go's map[interface{}]interface{}): its keys are
    not typed as text, so the parser's variables cannot reach into it."""


def merged(node: MappingNode) -> list[tuple[Node, Node]]:
    """A mapping's pairs with `<<` merge keys applied (the mapping's own keys first and winning)."""
    own = [(k, v) for k, v in node.value if not _merge_key(k)]
    extra: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if _merge_key(key):
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    extra += merged(source)
    return extra + own


def _merge_key(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value == "<<" and str(node.tag) in (PLAIN, "tag:yaml.org,2002:merge")


_UNITS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """Go's time.ParseDuration: "1h30m", "10s", "-1.5h", "0"; ValueError otherwise."""
    body = text
    sign = 1
    if body[:1] in "+-" and body:
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    if body == "0":
        return 0
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    at = 0
    while at < len(body):
        match = _PART.match(body, at)
        if match is None or match.group(1) in ("", "."):
            raise ValueError(f"invalid duration {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        at = match.end()
    return sign * round(total)


def format_duration(ns: int) -> str:
    """Go's Duration.String(): 10s, 1m0s, 1h30m0s, 500ms."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 1000)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
        return f"{sign}{ns}ns"
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = _trim(rest / 10**9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"
