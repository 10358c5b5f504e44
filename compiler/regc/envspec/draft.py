"""Spec data that code writes (an importer), built through the model: each part made by its model's
`model_construct`, whose keys and value types mypy's pydantic plugin checks, and turned into the
spec's data here (the secrets file's too, through its own model). The values are not judged on the
way: the loader judges them, with their place in the file, so an import writes what maps and
reports what the rules refuse."""

from __future__ import annotations

from functools import cache, partial
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from regc.envspec.model import API_VERSION, Environment

Part = TypeVar("Part", bound=BaseModel)


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


# A key not given, where the key's type has no None: `level if level != "info" else NOT_GIVEN`.
NOT_GIVEN: Any = _NotGiven()

# A part of an environment: environment(storage=model.S3Storage.model_construct(...)).
environment = partial(Environment.model_construct, api_version=API_VERSION, kind="Environment")


def data(part: BaseModel) -> dict[str, Any]:
    """The keys given to `part` (None or NOT_GIVEN is a key not given, and so is a part that says nothing),
    named as the spec's file names them, its own keys before those it shares with its kin (a
    storage's `driver` before `delete`); mappings and lists inside as they are, parts as their data,
    a secret (SecretStr) as its value."""
    given = part.model_fields_set
    fields = type(part).model_fields
    found: dict[str, Any] = {}
    for name in _order(type(part)):
        value = _plain(getattr(part, name)) if name in given else None
        if value is not None and value is not NOT_GIVEN:
            found[fields[name].alias or name] = value
    return found


def fields_of(kind: type[Part], values: dict[str, Any]) -> dict[str, Any]:
    """`values`, keyed by names read at run time (a config's keys), for `kind.model_construct(**...)`:
    each must be a field of `kind`, which `model_construct` would otherwise drop without a word."""
    names = {key for name, field in kind.model_fields.items() for key in (name, field.alias) if key}
    unknown = sorted(set(values) - names)
    if unknown:
        raise RuntimeError(f"{kind.__name__} has no {', '.join(unknown)} (a bug of regc's)")
    return values


def keyed(kind: type[Part], values: dict[str, Any]) -> Part:
    """A part of `kind` from keys read at run time (each one checked by `fields_of`)."""
    return kind.model_construct(**fields_of(kind, values))


def merge(spec: dict[str, Any], part: BaseModel) -> None:
    """Add `part`'s data to `spec` in place: a mapping into the mapping it meets, anything else over
    what was there."""
    _merge(spec, data(part))


def fill(into: dict[str, Any], more: dict[str, Any]) -> None:
    """Add to spec data `into` what the spec data `more` has and it lacks, into the mappings both have:
    what `into` says stays (two drafts of one spec, the first one's word first)."""
    for key, value in more.items():
        if key not in into:
            into[key] = value
        elif isinstance(value, dict) and isinstance(into[key], dict):
            fill(into[key], value)


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@cache
def _order(kind: type[BaseModel]) -> list[str]:
    found: list[str] = []
    for cls in kind.__mro__:
        found += [
            name for name in vars(cls).get("__annotations__", {}) if name in kind.model_fields and name not in found
        ]
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return data(value) or None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list):
        return [data(item) if isinstance(item, BaseModel) else _plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
