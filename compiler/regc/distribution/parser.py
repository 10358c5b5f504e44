"""distribution's configuration parser (configuration/parser.go and configuration.go, v2.8.3 and
v3.0.0), reproduced: the file decoded into the Configuration type as yaml.v2 does, then every
`REGISTRY_*` variable applied in name order (a variable that names a section, such as
`REGISTRY_STORAGE=s3`, replaces it; the ones under it fill it in), then the parser's own defaults and
checks. The result is what the registry runs with, or why it does not start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from regc.distribution import yamlv2
from regc.distribution.schema import Shape, configuration

PREFIX = "REGISTRY"
# Storage keys that configure the driver rather than name it (configuration.go, Storage.Type): v3 adds tag.
STORAGE_SECTIONS = {
    2: ("maintenance", "cache", "delete", "redirect"),
    3: ("maintenance", "cache", "delete", "redirect", "tag"),
}
LOG_LEVELS = ("error", "warn", "info", "debug")
CLIENT_AUTH = (
    "request-client-cert",
    "require-any-client-cert",
    "verify-client-cert-if-given",
    "require-and-verify-client-cert",
)
PLATFORMS = ("all", "none", "list")


class ParseError(ValueError):
    """Why the registry stops at start (what it would print), and where when a line is known."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class Parsed:
    """The configuration the registry runs with: YAML keys, durations in nanoseconds, `error` set when
    it does not start; the variables it ignores and the file's keys it does not read."""

    major: int
    config: dict[str, Any]
    error: ParseError | None = None
    ignored: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def parse(text: str | None, variables: Sequence[tuple[str, str]], major: int) -> Parsed:
    """`registry serve` of a file with `text` (None: no file at the path) under `variables`."""
    parsed = Parsed(major, {})
    if text is None:
        parsed.error = ParseError("the configuration file does not exist at the path the registry reads")
        return parsed
    parser = _Parser(major, parsed)
    try:
        parsed.config = parser.run(text, variables)
    except (ParseError, yamlv2.YamlError) as exc:
        parsed.error = ParseError(exc.message, exc.line, exc.column)
    return parsed


class _Parser:
    def __init__(self, major: int, parsed: Parsed) -> None:
        self.major = major
        self.parsed = parsed
        self.root = configuration(major)

    def run(self, text: str, variables: Sequence[tuple[str, str]]) -> dict[str, Any]:
        node = yamlv2.compose(text)
        version = self._version_only(node)
        if version != "0.1":
            raise ParseError(f'unsupported version: "{version}"', *yamlv2.position(node))
        config: dict[str, Any] = self.decode(node, self.root, (), record=True)
        for name, value in sorted(variables, key=lambda item: item[0]):
            if not name.startswith(PREFIX + "_"):
                continue
            path = name.split("_")[1:]
            try:
                config = self.overwrite(config, self.root, path, value, name)
            except (ParseError, yamlv2.YamlError) as exc:
                # v3 names the variable; v2.8 says only what went wrong
                raise ParseError(
                    f"parsing environment variable {name}: {exc.message}" if self.major >= 3 else exc.message
                ) from None
        return self._converted(config)

    def _version_only(self, node: Node | None) -> str:
        if not isinstance(node, MappingNode):
            if node is not None and not (isinstance(node, ScalarNode) and yamlv2.scalar(node) is None):
                raise ParseError("the configuration is not a mapping", *yamlv2.position(node))
            return ""
        for key, value in yamlv2.merged(node):
            if isinstance(key, ScalarNode) and key.value == "version":
                return str(self.custom(value, self.root.by_yaml["version"].shape, ("version",)))
        return ""

    def _converted(self, config: dict[str, Any]) -> dict[str, Any]:
        """v0_1Configuration's conversion: the log level, the catalog's default, one storage driver."""
        log = config.setdefault("log", {})
        if not log.get("level"):
            log["level"] = config.get("loglevel") or "info"
        config.pop("loglevel", None)
        catalog = config.setdefault("catalog", {})
        if (catalog.get("maxentries") or 0) <= 0:
            catalog["maxentries"] = 1000
        drivers = storage_drivers(config.get("storage") or {}, self.major)
        if len(drivers) > 1:
            raise ParseError(
                "panic: multiple storage drivers specified in configuration or environment: " + ", ".join(drivers)
            )
        if not drivers:
            raise ParseError("no storage configuration provided")
        return config

    # The file, as yaml.v2 decodes it into the Configuration type.

    def decode(self, node: Node | None, shape: Shape, path: tuple[str, ...], record: bool = False) -> Any:
        if node is None or (isinstance(node, ScalarNode) and yamlv2.scalar(node) is None):
            return zero(shape)
        if shape.unmarshaler:
            return self.custom(node, shape, path)
        kind = shape.kind
        if kind == "ptr":
            return self.decode(node, shape.item, path, record)
        if kind in ("interface", "opaque"):
            return yamlv2.generic(node)
        if kind == "struct":
            mapping = self._mapping(node, shape)
            out: dict[str, Any] = {}
            for key, value in mapping:
                name = key.value if isinstance(key, ScalarNode) else ""
                found = shape.field_of(name)
                if found is None:
                    if record:
                        self.parsed.unread.append(".".join((*path, str(name))))
                    continue
                out[found.yaml] = self.decode(value, found.shape, (*path, found.yaml), record)
            return out
        if kind == "map":
            out = {}
            for key, value in self._mapping(node, shape):
                name = self._key(key, shape)
                out[name] = self.decode(value, shape.item, (*path, str(name)), record)
            return out
        if kind == "slice":
            if not isinstance(node, SequenceNode):
                raise self._type_error(node, shape)
            return [self.decode(item, shape.item, path, record) for item in node.value]
        return self.leaf(node, shape)

    def _mapping(self, node: Node, shape: Shape) -> list[tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self._type_error(node, shape)
        return yamlv2.merged(node)

    def _key(self, node: Node, shape: Shape) -> Any:
        if isinstance(node, ScalarNode) and shape.key is not None and shape.key.kind == "string":
            return node.value
        return yamlv2.generic(node)

    def leaf(self, node: Node, shape: Shape) -> Any:
        if not isinstance(node, ScalarNode):
            raise self._type_error(node, shape)
        value = yamlv2.scalar(node)
        kind = shape.kind
        if value is None:
            return zero(shape)
        if kind == "string":
            return value if str(node.tag).endswith(":binary") else node.value
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind in ("int", "uint", "duration") and not isinstance(value, bool):
            if isinstance(value, (int, float)) and (kind != "uint" or value >= 0):
                return int(value)
            if kind == "duration" and isinstance(value, str):
                try:
                    return yamlv2.parse_duration(value)
                except ValueError:
                    pass
        if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise self._type_error(node, shape)

    def _type_error(self, node: Node, shape: Shape) -> ParseError:
        what = "!!map" if isinstance(node, MappingNode) else "!!seq" if isinstance(node, SequenceNode) else ""
        if isinstance(node, ScalarNode):
            what = f"!!{type(yamlv2.scalar(node)).__name__} `{_short(node.value)}`"
        line, column = yamlv2.position(node)
        return ParseError(f"line {line}: cannot unmarshal {what} into {shape.name or shape.kind}", line, column)

    def custom(self, node: Node, shape: Shape, path: tuple[str, ...]) -> Any:
        """The types of configuration.go with their own UnmarshalYAML."""
        name = shape.name.rsplit(".", 1)[-1]
        if name in ("Storage", "Auth"):
            return self._sections(node, shape, name)
        if name == "Redis":
            return self._redis(node, shape)
        text = self.leaf(node, Shape("string", shape.name))
        line, column = yamlv2.position(node)
        if name == "Version":
            parts = text.split(".")
            major = parts[0] if self.major < 3 else text.partition(".")[0]
            _uint(major, line, column)
            if self.major < 3 and len(parts) < 2:  # v2.8 indexes the split: a version without a dot panics
                raise ParseError("panic: runtime error: index out of range [1] with length 1", line, column)
            _uint(parts[1] if self.major < 3 else text.partition(".")[2], line, column)
            return text
        if name == "Loglevel":
            if text.lower() not in LOG_LEVELS:
                raise ParseError(
                    f"invalid loglevel {_short(text)} Must be one of [error, warn, info, debug]", line, column
                )
            return text.lower()
        if name == "Platforms":
            if text.lower() not in PLATFORMS:
                raise ParseError(
                    f"invalid platforms option {_short(text)} Must be one of [all, none, list]", line, column
                )
            return text.lower()
        if name == "ClientAuth":
            if text not in CLIENT_AUTH:
                raise ParseError(f"invalid ClientAuth {_short(text)}", line, column)
            return text
        raise ParseError(f"regc does not know how the registry reads {shape.name}", line, column)

    def _sections(self, node: Node, shape: Shape, name: str) -> dict[str, Any]:
        """Storage and Auth: a mapping of one kind (plus, for storage, its sections) to its parameters,
        or the kind's name alone."""
        if isinstance(node, MappingNode):
            found: dict[str, Any] = {}
            for key, value in yamlv2.merged(node):
                if not (value is None or isinstance(value, MappingNode) or _null(value)):
                    raise self._type_error(value, shape.item)
                found[str(self._key(key, shape))] = self.decode(value, shape.item, ())
            kinds = storage_drivers(found, self.major) if name == "Storage" else list(found)
            if len(found) > 1 and len(kinds) > 1:
                what = "storage type" if name == "Storage" else "type"
                raise ParseError(f"must provide exactly one {what}. Provided: {kinds}", *yamlv2.position(node))
            return found
        if isinstance(node, ScalarNode):
            return {node.value: {}}
        raise self._type_error(node, shape)

    def _redis(self, node: Node, shape: Shape) -> dict[str, Any]:
        """v3's Redis.UnmarshalYAML: the go-redis options by their lowercased Go names, and `tls`."""
        if not isinstance(node, MappingNode):
            raise self._type_error(node, shape)
        given = yamlv2.generic(node)
        options = next(f for f in shape.fields if f.inline).shape
        out: dict[str, Any] = {}
        for item in options.fields:
            value = given.get(item.go.lower())
            if value is None:
                continue
            out[item.yaml] = _redis_value(item.go.lower(), item.shape, value)
        tls = given.get("tls")
        if tls is not None:
            if not isinstance(tls, dict):
                raise ParseError("invalid TLS data structure")
            out["tls"] = {k: tls[k] for k in ("certificate", "key", "clientcas") if k in tls}
        return out

    # The variables, as Parser.overwriteFields applies them.

    def overwrite(self, value: Any, shape: Shape, path: list[str], payload: str, full: str) -> Any:
        kind = shape.kind
        if kind == "ptr":
            if value is None:
                raise ParseError(f"encountered nil pointer while handling environment variable {full}")
            return self.overwrite(value, shape.item, path, payload, full)
        if kind == "struct":
            return self._overwrite_struct(value if isinstance(value, dict) else {}, shape, path, payload, full)
        if kind == "map":
            return self._overwrite_map(value if isinstance(value, dict) else {}, shape, path, payload, full)
        if kind == "slice" and self.major >= 3:
            return self._overwrite_slice(list(value or []), shape, path, payload, full)
        if kind == "interface":
            if value is None:
                return self._overwrite_map({}, _ANY_MAP, path, payload, full)
            if isinstance(value, yamlv2.AnyMap):
                self.parsed.ignored.append(full)  # a map with non-string keys: the parser warns and skips
                return value
            if isinstance(value, dict):
                return self._overwrite_map(value, _ANY_MAP, path, payload, full)
            if isinstance(value, list) and self.major >= 3:
                return self._overwrite_slice(value, _ANY_SLICE, path, payload, full)
        return value

    def _overwrite_struct(self, value: dict[str, Any], shape: Shape, path: list[str], payload: str, full: str) -> Any:
        _need(path)
        by_upper: dict[str, Any] = {}
        for item in shape.fields:
            if item.go.upper() in by_upper:
                raise ParseError(f"panic: field name collision in configuration object: {item.go}")
            by_upper[item.go.upper()] = item
        found = by_upper.get(path[0])
        if found is None:
            self.parsed.ignored.append(full)
            return value
        if found.inline:  # its fields sit beside the struct's own in the document
            if len(path) == 1:
                for inner in found.shape.fields:
                    value.pop(inner.yaml, None)
                value.update(self.unmarshal(payload, found.shape))
                return value
            return self.overwrite(value, found.shape, path[1:], payload, full)
        if len(path) == 1:
            value[found.yaml] = self.unmarshal(payload, found.shape)
            return value
        child = value.get(found.yaml)
        if child is None and found.shape.kind == "map":
            child = {}
        elif child is None and found.shape.kind == "ptr":
            if self.major < 3:  # v2.8's parser allocates the wrong type here: reflect panics
                raise ParseError("panic: reflect.Set: value of type ** is not assignable")
            child = zero(found.shape.item)
        value[found.yaml] = self.overwrite(child, found.shape, path[1:], payload, full)
        return value

    def _overwrite_map(self, value: dict[Any, Any], shape: Shape, path: list[str], payload: str, full: str) -> Any:
        _need(path)
        if shape.key is not None and shape.key.kind != "string":
            self.parsed.ignored.append(full)  # "involving map with non-string keys"
            return value
        elem = shape.item
        if len(path) > 1:
            for key in list(value):
                if str(key).upper() == path[0]:
                    existing = value[key]
                    if existing is None and elem.kind in ("ptr", "interface", "map"):
                        break
                    value[key] = self.overwrite(existing, elem, path[1:], payload, full)
                    return value
        if len(path) > 1:
            fresh = {} if elem.kind == "map" else zero(elem)
            created = self.overwrite(fresh, elem, path[1:], payload, full)
        else:
            created = self.unmarshal(payload, elem)
        value[path[0].lower()] = created
        return value

    def _overwrite_slice(self, value: list[Any], shape: Shape, path: list[str], payload: str, full: str) -> Any:
        _need(path)
        if not path[0].lstrip("-").isdigit():
            raise ParseError(f"panic: non-numeric index: {path[0]}")
        index = int(path[0])
        if index > len(value) or index < 0:
            raise ParseError(f"panic: undefined index: {path[0]}")
        if not value or index == len(value):
            value.append(zero(shape.item))
        value[index] = self.overwrite(value[index], shape.item, path[1:], payload, full)
        return value

    def unmarshal(self, payload: str, shape: Shape) -> Any:
        """yaml.Unmarshal of a variable's value into a new value of the field's type."""
        node = yamlv2.compose(payload)
        if node is None:
            return zero(shape)
        return self.decode(node, shape, ())


_ANY = Shape("interface")
_ANY_MAP = Shape("map", key=Shape("string"), elem=_ANY)
_ANY_SLICE = Shape("slice", elem=_ANY)


def _uint(part: str, line: int, column: int) -> None:
    if not part.isdigit():
        raise ParseError(f'invalid version: strconv.ParseUint: parsing "{_short(part)}": invalid syntax', line, column)


def _need(path: list[str]) -> None:
    if not path:
        raise ParseError("panic: runtime error: index out of range [0] with length 0")


def _null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and yamlv2.scalar(node) is None


def _short(text: str) -> str:
    line = str(text).splitlines()[0] if str(text) else ""
    return line if len(line) <= 60 else line[:57] + "..."


def _redis_value(name: str, shape: Shape, value: Any) -> Any:
    """configuration.go setFieldValue (and durations, which must be text there)."""
    kind = shape.kind
    if kind == "duration":
        if not isinstance(value, str):
            raise ParseError(f"invalid duration value for field: {name}")
        try:
            return yamlv2.parse_duration(value)
        except ValueError:
            raise ParseError(f"failed to parse duration for field: {name}") from None
    wanted = {"string": str, "int": int, "float": float, "bool": bool}.get(kind)
    if kind == "slice" and isinstance(value, list):
        return [_redis_value(name, shape.item, item) for item in value]
    if wanted is not None and isinstance(value, wanted) and (kind == "bool" or not isinstance(value, bool)):
        return value
    raise ParseError(f"failed to set value for field: {name}")


def zero(shape: Shape) -> Any:
    """A Go zero value as the parsed document holds it."""
    return {"struct": {}, "map": {}, "slice": []}.get(shape.kind, _ZEROS.get(shape.kind))


_ZEROS: dict[str, Any] = {"string": "", "bool": False, "int": 0, "uint": 0, "float": 0.0, "duration": 0}


def storage_drivers(storage: dict[str, Any], major: int) -> list[str]:
    """The storage keys that name a driver (Storage.Type counts them: one, or the registry stops)."""
    return [str(key) for key in storage if key not in STORAGE_SECTIONS[major]]


def canonical(value: Any, shape: Shape) -> Any:
    """The document as Go holds it: struct fields at their zero value dropped (absent and zero are one
    value in Go), map entries kept, a storage or auth section without parameters an empty mapping."""
    kind = shape.kind
    if kind == "struct" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            found = shape.field_of(key)
            if found is None:
                continue
            kept = canonical(item, found.shape)
            if (found.shape.kind == "ptr" and item is not None) or not _is_zero(kept):
                out[key] = kept
        return out
    if kind == "map" and isinstance(value, dict):
        return {
            key: canonical(item, shape.item) if item is not None or shape.item.kind != "map" else {}
            for key, item in value.items()
        }
    if kind == "slice" and isinstance(value, list):
        return [canonical(item, shape.item) for item in value]
    if kind == "ptr":
        return None if value is None else canonical(value, shape.item)
    if isinstance(value, yamlv2.AnyMap):
        return {key: canonical(item, _ANY) for key, item in value.items()}
    if isinstance(value, dict):
        return {key: canonical(item, _ANY) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item, _ANY) for item in value]
    return value


def _is_zero(value: Any) -> bool:
    return value is None or value is False or (value == 0 and not isinstance(value, bool)) or value in ("", {}, [])


def canonical_config(config: dict[str, Any], major: int) -> dict[str, Any]:
    result: dict[str, Any] = canonical(config, configuration(major))
    return result


def as_yaml(value: Any, shape: Shape) -> Any:
    """A parsed value written back as YAML says it: durations as Go writes them (90s -> 1m30s)."""
    kind = shape.kind
    if kind == "duration" and isinstance(value, int):
        return yamlv2.format_duration(value)
    if kind == "struct" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            found = shape.field_of(key)
            out[key] = as_yaml(item, found.shape) if found is not None else item
        return out
    if kind == "map" and isinstance(value, dict):
        return {key: as_yaml(item, shape.item) for key, item in value.items()}
    if kind == "slice" and isinstance(value, list):
        return [as_yaml(item, shape.item) for item in value]
    if kind == "ptr":
        return None if value is None else as_yaml(value, shape.item)
    if isinstance(value, dict):
        return {key: as_yaml(item, _ANY) for key, item in value.items()}
    return value


def shape_at(major: int, path: Sequence[str]) -> Shape | None:
    """The type at a dotted path of the configuration (None where the registry reads no such key)."""
    shape: Shape | None = configuration(major)
    for part in path:
        if shape is None:
            return None
        while shape.kind == "ptr":
            shape = shape.item
        if shape.kind == "struct":
            found = shape.field_of(part)
            shape = found.shape if found is not None else None
        elif shape.kind in ("map", "slice"):
            shape = shape.item
        elif shape.kind == "interface":
            return _ANY
        else:
            return None
    return shape
