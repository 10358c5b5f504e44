"""Fast reading of YAML that regc or sops wrote: ruamel's C loader (ruamel.yaml.clib) when present.
Specs are read elsewhere, with positions, by the round-trip loader."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruamel.yaml import YAML

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _loader() -> YAML:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe")  # the C loader, when ruamel.yaml.clib is installed
    except Exception:
        return YAML(typ="safe", pure=True)


def load(text: str | bytes) -> Any:
    return _loader().load(text)


@lru_cache(maxsize=1)
def _strict_loader() -> YAML:
    from ruamel.yaml import YAML

    try:
        yaml = YAML(typ="safe")
    except Exception:
        yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def load_all_strict(text: str) -> list[Any]:
    """Every document of `text`, refusing duplicate keys (as specs are read)."""
    return list(_strict_loader().load_all(text))


def load_all(text: str | bytes) -> list[Any]:
    return list(_loader().load_all(text))


def load_file(path: Path, display: str, hint: str) -> Any:
    """One document of a file regc reads but a person may have broken (a secrets file, .sops.yaml):
    invalid YAML becomes a located error with `hint`, never a traceback."""
    from regc.errors import Location, Problem, SpecError

    try:
        content = path.read_bytes()
    except IsADirectoryError:
        raise SpecError([Problem(Location(display), "a folder, not a file", hint)]) from None
    return load_text(content, display, hint)


def load_text(content: bytes, display: str, hint: str) -> Any:
    """One document of a file's `content`, as `load_file` reads it."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from regc.errors import Location, Problem, SpecError

    try:
        return load(content)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        raise SpecError([Problem(where, f"not valid YAML: {exc.problem or exc}", hint)]) from None
    except (YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise SpecError([Problem(Location(display), f"not valid YAML: {type(exc).__name__}", hint)]) from None
