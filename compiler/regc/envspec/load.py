"""Load a YAML file into plain data, remembering where every key and value stands."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from regc.errors import Location, Problem, SpecError, shown
from regc.yamlread import MAX_DEPTH, SURROGATE_HINT, load_all_strict, lone_surrogate, refusal

if TYPE_CHECKING:
    from regc.world import Files

Path_ = tuple[str | int, ...]

# An alias re-uses a node; expanding nested aliases can grow a file of a few lines into
# billions of nodes ("billion laughs"). Real specs have a few hundred nodes.
MAX_NODES = 100_000


@dataclass
class Positions:
    """Where each path of a loaded document stands in its file (1-based line, column)."""

    path: str
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    origins: dict[Path_, str] = field(default_factory=dict)  # paths that stand in another file (`extends`)

    def locate(self, loc: Path_, *, at_key: bool = False) -> Location:
        """The closest known position to `loc`: the path itself, else its nearest parent."""
        table = self.keys if at_key else self.values
        for end in range(len(loc), -1, -1):
            prefix = tuple(loc[:end])
            for candidate in (table, self.values, self.keys):
                if prefix in candidate:
                    line, column = candidate[prefix]
                    return Location(self.origins.get(prefix, self.path), line, column)
        return Location(self.path, 1, 1)


@dataclass
class Document:
    """A loaded YAML mapping and the positions of its parts."""

    data: dict[str, Any]
    positions: Positions


def load_yaml(
    path: Path, display: str | None = None, files: Files | None = None, *, positions: bool = True
) -> Document:
    """Read `path` as one YAML mapping; any fault becomes a located SpecError. Without `positions`,
    a plain document is read by the fast loader and its Positions stay empty (for specs that are
    expected to be valid: the caller reads again with positions to locate a problem)."""
    display = display or str(path)
    try:
        raw = files.read_bytes(path) if files is not None else path.read_bytes()
    except FileNotFoundError:
        raise SpecError([Problem(Location(display), "no such file")]) from None
    except IsADirectoryError:
        raise SpecError(
            [
                Problem(
                    Location(display),
                    "a folder, not a file",
                    "rename or move the folder: names ending in .yaml here are specs",
                )
            ]
        ) from None
    except OSError as exc:
        raise SpecError([Problem(Location(display), f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _offset_position(raw[: exc.start].decode("utf-8", "replace"))
        raise SpecError(
            [Problem(Location(display, line, column), f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")]
        ) from None
    document = None
    if not positions:
        data = _plain_data(text)  # None for what regc refuses (regc.yamlread.refusal): parse_yaml locates it
        if data is not None:
            document = Document(data, Positions(display))
    document = document or parse_yaml(text, display)
    found = lone_surrogate(document.data)
    if found is not None:
        where, value = found
        located = document if document.positions.keys or document.positions.values else parse_yaml(text, display)
        code = next(ord(c) for c in value if 0xD800 <= ord(c) <= 0xDFFF)
        raise SpecError(
            [
                Problem(
                    located.positions.locate(where),
                    f"{dotted_path(where)}: a \\u escape that is no character (U+{code:04X}, half of a pair)",
                    SURROGATE_HINT,
                )
            ]
        )
    return document


def dotted_path(loc: tuple[Any, ...]) -> str:
    """A path in a document as messages name it (`registry.headers[0]`)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        name = str(part)
        if not name.isprintable() or len(name) > 63:  # a key of the input, such as "a\nb": one short line
            name = shown(name, 40)
        text += f".{name}" if text else name
    return text


def _refuse_unread(text: str, display: str) -> None:
    """A located error for what regc does not read (regc.yamlread.refusal): a `%YAML` directive other
    than 1.2, or nesting that would exhaust the loaders' recursion."""
    found = refusal(text)
    if found is not None:
        raise SpecError([Problem(Location(display, found.line, found.column), found.message, found.hint)])


# Anchors, aliases and tags take the round-trip loader's path, which checks and locates them.
_NOT_PLAIN = ("&", "*", "!")


def _plain_data(text: str) -> dict[str, Any] | None:
    """The document as parse_yaml reads it, by ruamel's C loader (several times faster than the
    round-trip one), for a plain document: None for anything else (anchors, tags, dates, keys that
    are not strings, a broken document), which the round-trip loader reads and reports."""
    if any(mark in text for mark in _NOT_PLAIN):
        return None

    try:
        documents = load_all_strict(text)
    except (YAMLError, ValueError, RecursionError):
        return None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        return None
    data: dict[str, Any] | None = _plain(documents[0], [0])
    return data


def _plain(node: Any, count: list[int]) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        return None
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            converted = _plain(value, count)
            if not isinstance(key, str) or (converted is None and value is not None):
                return None
            result[key] = converted
        return result
    if isinstance(node, list):
        items = [_plain(value, count) for value in node]
        return None if any(i is None and v is not None for i, v in zip(items, node, strict=True)) else items
    if isinstance(node, (datetime.date, datetime.datetime)):
        return None
    return _scalar(node)


def _offset_position(before: str) -> tuple[int, int]:
    """1-based line and column of the character after `before`."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def parse_yaml(text: str, display: str) -> Document:
    """Parse YAML text (one document, a mapping at the top) into a Document."""
    _refuse_unread(text, display)

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        documents = list(yaml.load_all(text))
    except MarkedYAMLError as exc:
        raise SpecError([_yaml_problem(exc, display)]) from None
    except ReaderError as exc:  # a character YAML does not allow, such as NUL: located by its offset
        line, column = _offset_position(text[: exc.position])
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise SpecError(
            [
                Problem(
                    Location(display, line, column),
                    f"not valid YAML: the character U+{code:04X} is not allowed",
                    "remove it (a binary file, or a stray control character)",
                )
            ]
        ) from None
    except YAMLError as exc:
        raise SpecError([Problem(Location(display, 1, 1), f"not valid YAML: {_one_line(str(exc))}")]) from None
    except RecursionError:  # what regc.yamlread.refusal, by libyaml's parser, could not see
        raise SpecError(
            [Problem(Location(display, 1, 1), "YAML nested too deeply", "flatten the data, or close its brackets")]
        ) from None
    if len(documents) > 1:
        raise SpecError(
            [
                Problem(
                    Location(display, 1, 1),
                    "more than one YAML document",
                    "keep one environment per file (remove the `---` separators)",
                )
            ]
        )
    root = documents[0] if documents else None
    if root is None:
        raise SpecError(
            [Problem(Location(display, 1, 1), "the file is empty", "run `regc init NAME` for a commented starter spec")]
        )
    if not isinstance(root, dict):
        raise SpecError([Problem(Location(display, 1, 1), f"the top level must be a mapping, not a {_kind(root)}")])
    positions = Positions(display)
    data = _Converter(positions).convert(root, ())
    return Document(data, positions)


class _Converter:
    """Turns ruamel's round-trip nodes into plain Python values, recording positions."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.nodes = 0

    def convert(self, node: Any, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._alias_error(path, f"the document expands to more than {MAX_NODES} nodes through aliases")
        if isinstance(node, (dict, list)) and len(path) >= MAX_DEPTH:
            # the text nests less (regc.yamlread.refusal): aliases inside aliased collections, or an alias to a parent
            raise self._alias_error(path, f"the document nests deeper than {MAX_DEPTH} levels through aliases")
        if isinstance(node, dict):
            return self._mapping(node, path)
        if isinstance(node, list):
            return self._sequence(node, path)
        return _scalar(node)

    def _alias_error(self, path: Path_, message: str) -> SpecError:
        return SpecError([Problem(self.positions.locate(path), message, "remove the nested `*alias` references")])

    def _mapping(self, node: dict[str, Any], path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        lc = getattr(node, "lc", None)
        for key, value in node.items():
            child = (*path, str(key))
            if lc is not None and key in lc.data:
                key_line, key_col, value_line, value_col = lc.data[key]
                self.positions.keys[child] = (key_line + 1, key_col + 1)
                self.positions.values[child] = (value_line + 1, value_col + 1)
            if not isinstance(key, str):
                raise SpecError(
                    [
                        Problem(
                            self.positions.locate(child, at_key=True),
                            f"keys must be strings, not {_kind(key)}"
                            + ("" if isinstance(key, (tuple, Mapping)) else f" {shown(key)}"),
                            "quote the key",
                        )
                    ]
                )
            result[key] = self.convert(value, child)
        return result

    def _sequence(self, node: list[Any], path: Path_) -> list[Any]:
        lc = getattr(node, "lc", None)
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            if lc is not None and index in lc.data:
                line, col = lc.data[index]
                self.positions.values[child] = (line + 1, col + 1)
            items.append(self.convert(value, child))
        return items


def _scalar(node: Any) -> Any:
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return str(node)


def _yaml_problem(exc: Any, display: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "not valid YAML"
    if "duplicate key" in problem:
        key = problem.split('"')[1] if '"' in problem else ""
        return Problem(
            Location(display, line, column),
            f"duplicate key {shown(key)}".replace("''", ""),
            "each key may appear once in a mapping; remove or merge the repeat",
        )
    context = f" ({_one_line(exc.context)})" if exc.context else ""
    return Problem(Location(display, line, column), f"not valid YAML: {_one_line(problem)}{context}")


def _one_line(text: str, limit: int = 120) -> str:
    """A parser's words as one short line: they may quote the input (an alias's name, a tag)."""
    line = text.splitlines()[0] if text.strip() else text
    return line if line == text and len(line) <= limit else f"{line[:limit]}..."


def _kind(value: Any) -> str:
    if isinstance(value, (list, tuple)):  # ruamel reads a list used as a key as a tuple
        return "list"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
