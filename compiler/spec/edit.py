"""Edit a spec file in place, keeping its comments and layout (ruamel round-trip)."""

from __future__ import annotations

import os
from pathlib import Path

from regc.errors import RegcError


def _load(path: Path):
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml, yaml.load(path.read_text(encoding="utf-8"))


def _save(yaml, document, path: Path) -> None:
    import io

    buffer = io.StringIO()
    yaml.dump(document, buffer)
    temporary = path.with_name(f".{path.name}.regc-tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(temporary, path)


def add_user(path: Path, user: str) -> bool:
    """Add `user` to auth.htpasswd.users; False if it was there already."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml, document = _load(path)
    auth = document.setdefault("auth", CommentedMap())
    if auth.get("htpasswd") is None:
        auth["htpasswd"] = CommentedMap()
    users = auth["htpasswd"].setdefault("users", CommentedSeq())
    if user in users:
        return False
    users.append(user)
    _save(yaml, document, path)
    return True


def remove_user(path: Path, user: str) -> None:
    yaml, document = _load(path)
    users = ((document.get("auth") or {}).get("htpasswd") or {}).get("users") or []
    if user not in users:
        raise RegcError(f"{path}: {user!r} is not in auth.htpasswd.users")
    users.remove(user)
    _save(yaml, document, path)
