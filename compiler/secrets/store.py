"""Change values of a secrets file through sops: plaintext only in pipes, the file replaced atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from regc import yamltext


def secrets_file(root: Path, env: str) -> Path:
    return root / "environments" / f"{env}.secrets.yaml"


def ensure_secrets_file(root: Path, env: str) -> Path:
    """The secrets file of `env`, created (encrypted, empty of users) if it does not exist."""
    from regc.tools import sops

    path = secrets_file(root, env)
    if not path.is_file():
        ciphertext = sops.encrypt(yamltext.dump({"users": {}}).encode(), path.relative_to(root).as_posix(),
                                  root=root)
        replace_file(path, ciphertext)
    return path


def set_password(root: Path, env: str, user: str, password: str) -> None:
    path = secrets_file(root, env)
    if not path.is_file():
        from regc.tools import sops

        document = yamltext.dump({"users": {user: password}}).encode()
        replace_file(path, sops.encrypt(document, path.relative_to(root).as_posix(), root=root))
        return
    _edit(root, path, lambda staged: _set(root, staged, f'["users"]["{user}"]', password))


def remove_password(root: Path, env: str, user: str) -> None:
    from regc.errors import ToolError
    from regc.tools import sops

    path = secrets_file(root, env)
    if not path.is_file():
        return

    def unset(staged: Path) -> None:
        try:
            sops.unset_value(staged, f'["users"]["{user}"]', root=root)
        except ToolError as exc:
            if "not found" not in str(exc).lower():
                raise

    _edit(root, path, unset)


def _set(root: Path, staged: Path, index: str, value) -> None:
    from regc.tools import sops

    sops.set_value(staged, index, json.dumps(value).encode(), root=root)


def _edit(root: Path, path: Path, change) -> None:
    staged = path.with_name(f".{path.name}.regc-tmp")
    staged.write_bytes(path.read_bytes())
    try:
        change(staged)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def replace_file(path: Path, content: bytes) -> None:
    """Write `content` (ciphertext) to `path` atomically."""
    temporary = path.with_name(f".{path.name}.regc-tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
