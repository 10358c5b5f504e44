"""Fast reading of YAML that regc or sops wrote: ruamel's C loader (ruamel.yaml.clib) when present.
Specs are read elsewhere, with positions, by the round-trip loader. Both first refuse, located, what
regc does not read: a `%YAML` directive other than 1.2, and nesting deeper than MAX_DEPTH (ruamel's
loaders recurse once per level: the C one overflows the C stack past about 20,000 levels, the
round-trip one raises RecursionError past about 240)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ruamel.yaml import YAML

from functools import cache, lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.resolver import Resolver

from regc.errors import Location, Problem, SpecError

# Specs nest under 10 levels, Kubernetes objects and Helm values a few dozen at most (Argo CD's
# ApplicationSet CRD, the deepest in tests/crds/, 35).
MAX_DEPTH = 100

# Flow collections ("[", "{"): one that holds something adds a level, and one more for an empty one
# inside. A real one stands after one of these, with only spaces, line breaks and comments between:
# the start of a document, a flow indicator, `:`, `?`, `-` (a block entry, `---`), `.` (`...`), `>`
# (the end of a verbatim tag), or a property (`&anchor`, `!tag`); counting those bounds the nesting
# from above, whatever quoted strings, comments and block scalars hold. A document marker closes every
# collection (inside one, it is an error). Patterns start with a literal where they can: the regular
# expression engine scans for a literal several times faster than for a set of characters.
_BREAKS = "\n\r\x85\u2028\u2029"  # what YAML 1.1 parsers (libyaml, ruamel's) take for line breaks
_HOLDING_OPENER = rf"(?=(?:[\s\ufeff]|#[^{_BREAKS}]*+)*+[\[{{](?![\s\ufeff]*+[\]}}]))"
_AFTER_INDICATOR = r"[\[{,:?\-.>]" + _HOLDING_OPENER
_AFTER_PROPERTY = r"[!&](?<![^\s\ufeff\[\]{},:][!&])[^\s\[\]{},]*+" + _HOLDING_OPENER
_AT_START = _HOLDING_OPENER
_DOCUMENT_MARKER = r"\n(?:---|\.\.\.)(?![^\s])"
# A bracket right after a letter or digit is a character of a plain scalar (`ENC[...]`) or a syntax
# error, unless an anchor ends there (`&a[`, which ruamel's own parser reads).
_AFTER_SPACE_OR_SIGN = (r"\[(?<!\w\[)", r"\{(?<!\w\{)")
# Block collections: a nested one starts further right than its parent (a list under a key may start
# below it), at most at the end of its line's run of spaces and `-`, `?`, `:` indicators; a line
# indented by k columns holds at most 2k + 2 levels.
_INDENT = "[ \t?:-]"
_LINE_INDENT = rf"(?:\A|(?<=[{_BREAKS}])){_INDENT}*+"
_INDENTED = {
    width: (rf"\n{_INDENT}{{{width}}}", rf"[{_BREAKS}]{_INDENT}{{{width}}}") for width in (8, 16, MAX_DEPTH // 4)
}
_OTHER_BREAKS = "\x85\u2028\u2029"  # and "\r" alone
_DIRECTIVE = rf"(?:\A|(?<=[{_BREAKS}]))\ufeff?%YAML(?![^\s])(?:[ \t]+([^\s#]*))?"
_LINE_BREAK = r"\r\n?|[\n\x85\u2028\u2029]"


@cache
def _pattern(source: str) -> re.Pattern[str]:
    """`source` compiled, on first use: a run that reads no YAML compiles none."""
    return re.compile(source)


class Refusal(NamedTuple):
    """Why regc will not read a text, and where (line and column count from 1)."""

    line: int
    column: int
    message: str
    hint: str

    def error(self) -> Exception:
        """As ruamel's located error, which every caller of the loaders already handles."""

        mark = StreamMark("<input>", 0, self.line - 1, self.column - 1)
        return MarkedYAMLError(problem=self.message, problem_mark=mark, note=self.hint)


def refusal(text: str | bytes) -> Refusal | None:
    """What regc refuses to read in `text`, if anything: a `%YAML` directive other than 1.2 (YAML 1.1
    reads yes, no, on and off as booleans), or collections nested deeper than MAX_DEPTH. A text that
    is not valid YAML gets None when its fault comes first: the loader reports that."""
    if isinstance(text, bytes):
        encoding = "utf-16" if text[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
        text = text.decode(encoding, "replace")
    if "%YAML" in text:
        for match in _pattern(_DIRECTIVE).finditer(text):
            version = match[1] or ""
            if version != "1.2":
                shown = version if len(version) <= 10 else f"{version[:10]}..."
                return Refusal(
                    len(_pattern(_LINE_BREAK).findall(text, 0, match.start())) + 1,
                    1,
                    f"a %YAML{' ' + shown if shown else ''} directive: regc reads YAML 1.2 only",
                    "remove the %YAML line, and write true or false for a boolean (under YAML 1.1 yes, no, "
                    "on and off are booleans; YAML 1.2 reads them as text)",
                )
    return too_deep(text)


def too_deep(text: str) -> Refusal | None:
    """Collections nested deeper than MAX_DEPTH, where the first one opens (None when there is none)."""
    return _too_deep(text) if _may_nest_deeper(text) else None


def _may_nest_deeper(text: str) -> bool:
    """Whether `text` could nest deeper than MAX_DEPTH, by bounds that cost far less than parsing it
    (each a scan or two of the text), tightest last."""
    budget = MAX_DEPTH - _block_levels(text) - 1  # for flow collections
    if budget < 0:
        return True
    if text.count("[") + text.count("{") <= budget:
        return False
    if "&" not in text and _at_most(budget, *(_pattern(source).finditer(text) for source in _AFTER_SPACE_OR_SIGN)):
        return False
    properties = "&" in text or "!" in text
    starts = [0, *(marker.end() for marker in _pattern(_DOCUMENT_MARKER).finditer(text))]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        openers = [[_pattern(_AT_START).match(text, start, end)], _pattern(_AFTER_INDICATOR).finditer(text, start, end)]
        if properties:
            openers.append(_pattern(_AFTER_PROPERTY).finditer(text, start, end))
        if not _at_most(budget, *openers):
            return True
    return False


def _block_levels(text: str) -> int:
    """At most how many levels of block collections `text` nests: two per column of indentation."""
    other_breaks = text.count("\r") != text.count("\r\n") or any(character in text for character in _OTHER_BREAKS)
    first = len(match[0]) if (match := _pattern(_LINE_INDENT).match(text)) else 0
    for width, (after_newline, after_any_break) in _INDENTED.items():
        if first < width and not _pattern(after_any_break if other_breaks else after_newline).search(text):
            return 2 * (width - 1) + 2
    return 2 * max(map(len, _pattern(_LINE_INDENT).findall(text))) + 2


def _at_most(limit: int, *found: Iterable[re.Match[str] | None]) -> bool:
    """Whether `found` holds at most `limit` matches (it stops counting there)."""
    count = 0
    for match in itertools.chain(*found):
        if match is not None:
            count += 1
            if count > limit:
                return False
    return True


def _too_deep(text: str) -> Refusal | None:
    """The first collection nested deeper than MAX_DEPTH, found by a parser alone: it keeps its
    nesting in a list (the composer is what recurses), and it stops there however deep the rest. By
    libyaml's parser, then, if that one finds a fault first, by ruamel's own (the round-trip loader's,
    which reads a little more, such as `&a[x]`)."""
    for pure in (False, True):
        depth = 0
        try:
            with closing(YAML(typ="safe", pure=pure).parse(text)) as events:
                for event in events:
                    if isinstance(event, CollectionStartEvent):
                        depth += 1
                        if depth > MAX_DEPTH:
                            mark = event.start_mark
                            return Refusal(
                                mark.line + 1,
                                mark.column + 1,
                                f"nested deeper than {MAX_DEPTH} levels",
                                "no file that regc reads needs such depth: look for brackets that are never "
                                "closed, or flatten the data",
                            )
                    elif isinstance(event, CollectionEndEvent):
                        depth -= 1
            return None
        except Exception:  # not YAML to this parser before it got that deep: the loader says what is wrong
            continue
    return None


def _checked(text: str | bytes) -> str | bytes:
    found = refusal(text)
    if found is not None:
        raise found.error()
    return text


class _Resolver12(Resolver):
    """YAML 1.2's implicit types, decided once: ruamel's default resolver re-decides the version for
    every scalar, since a `%YAML 1.1` directive would change them, and regc refuses such a directive
    (`refusal`). Loads of regc's files take about 40% less time."""

    def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
        super().__init__(loadumper=loadumper if loadumper is not None else loader)

    @property
    def processing_version(self) -> tuple[int, int]:  # the pure parser asks (a `key:value` rule of 1.2)
        return (1, 2)


def _safe() -> YAML:
    try:
        yaml = YAML(typ="safe")  # the C parser, when ruamel.yaml.clib is installed
    except Exception:
        yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = _Resolver12
    return yaml


@lru_cache(maxsize=1)
def _loader() -> YAML:
    return _safe()


def load(text: str | bytes) -> Any:
    return _loader().load(_checked(text))


@lru_cache(maxsize=1)
def _strict_loader() -> YAML:
    yaml = _safe()
    yaml.allow_duplicate_keys = False
    return yaml


def load_all_strict(text: str) -> list[Any]:
    """Every document of `text`, refusing duplicate keys (as specs are read)."""
    return list(_strict_loader().load_all(_checked(text)))


def load_all(text: str | bytes) -> list[Any]:
    return list(_loader().load_all(_checked(text)))


def load_file(path: Path, display: str, hint: str) -> Any:
    """One document of a file regc reads but a person may have broken (a secrets file, .sops.yaml):
    invalid YAML becomes a located error with `hint`, never a traceback."""
    try:
        content = path.read_bytes()
    except IsADirectoryError:
        raise SpecError([Problem(Location(display), "a folder, not a file", hint)]) from None
    return load_text(content, display, hint)


def load_text(content: bytes, display: str, hint: str) -> Any:
    """One document of a file's `content`, as `load_file` reads it."""
    found = refusal(content)
    if found is not None:
        raise SpecError([Problem(Location(display, found.line, found.column), found.message, found.hint)])
    try:
        data = _loader().load(content)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        problem = (exc.problem or "").splitlines()[0] if (exc.problem or "").strip() else ""
        message = f"not valid YAML: {problem[:120]}" if problem else "not valid YAML"
        raise SpecError([Problem(where, message, hint)]) from None
    except (YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise SpecError([Problem(Location(display), f"not valid YAML: {type(exc).__name__}", hint)]) from None
    refuse_lone_surrogates(data, display)
    return data


def refuse_lone_surrogates(data: Any, display: str) -> None:
    """A located error (by path) for text of `data` no UTF-8 can hold (see `lone_surrogate`)."""
    found = lone_surrogate(data)
    if found is not None:
        where = ".".join(str(part) for part in found[0]) or "(the document)"
        message = f"{where}: a \\u escape that is no character (half of a pair)"
        raise SpecError([Problem(Location(display), message, SURROGATE_HINT)])


def lone_surrogate(data: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], str] | None:
    """The first path whose key or text holds a lone surrogate (a `\\uD800` escape, say: no
    character, and no UTF-8 can hold it; Go's readers make it U+FFFD), and that text."""
    if isinstance(data, str):
        return (path, data) if not data.isascii() and not _encodes(data) else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(key, str) and not key.isascii() and not _encodes(key):
            return (*path, key), key
        found = lone_surrogate(value, (*path, key))
        if found is not None:
            return found
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


SURROGATE_HINT = "write the character itself (a pair of \\u escapes is one \\U escape in YAML: \\U0001F600)"
