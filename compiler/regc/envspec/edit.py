"""Edits of a spec file that keep its comments and layout (ruamel round-trip), returned as text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from regc.envspec.load import load_yaml
from regc.errors import RegcError
from regc.layout import ENVIRONMENTS
from regc.world import Files


def _load(path: Path, files: Files) -> tuple[Any, Any]:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30
    yaml.indent(mapping=2, sequence=4, offset=2)

    load_yaml(path, f"{ENVIRONMENTS}/{path.name}", files)  # a broken spec is a located error before any change
    return yaml, yaml.load(files.read_bytes(path).decode("utf-8"))


def _text(yaml: Any, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def with_user(path: Path, files: Files, user: str) -> str | None:
    """The spec with `user` added to auth.htpasswd.users; None if it is there already."""
    yaml, document = _load(path, files)
    auth = document.setdefault("auth", CommentedMap())
    if auth.get("htpasswd") is None:
        auth["htpasswd"] = CommentedMap()
    users = auth["htpasswd"].setdefault("users", CommentedSeq())
    if user in users:
        return None
    users.append(user)
    return _text(yaml, document)


def without_user(path: Path, files: Files, user: str) -> str:
    """The spec without `user` in auth.htpasswd.users."""
    yaml, document = _load(path, files)
    users = ((document.get("auth") or {}).get("htpasswd") or {}).get("users") or []
    if user not in users:
        raise RegcError(f"{path}: {user!r} is not in auth.htpasswd.users")
    users.remove(user)
    return _text(yaml, document)
