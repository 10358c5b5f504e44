"""New contents of a secrets file for the `user` and `secrets` commands, through sops: plaintext only
in pipes, ciphertext returned to the caller, which writes every file a command changes together
(regc.files)."""

from __future__ import annotations

from pathlib import Path

from regc import layout, yamltext
from regc.errors import ToolError
from regc.files import write_atomic
from regc.secrets.sealer import SopsSealer, staged_copy
from regc.tools import sops


def ensure_secrets_file(root: Path, env: str) -> Path:
    """The secrets file of `env`, created (encrypted, empty of users) if it does not exist."""

    path = layout.secrets_path(root, env)
    if not path.is_file():
        write_atomic(path, SopsSealer(root).encrypt(yamltext.dump({"users": {}}).encode(), layout.secrets_display(env)))
    return path


def with_password(root: Path, env: str, user: str, password: str) -> bytes:
    """The secrets file with `user`'s password set (created when there is none)."""
    sealer, path, target = SopsSealer(root), layout.secrets_path(root, env), layout.secrets_display(env)
    if not path.is_file():
        return sealer.encrypt(yamltext.dump({"users": {user: password}}).encode(), target)
    return sealer.set_values(path.read_bytes(), target, {("users", user): password})


def without_password(root: Path, env: str, user: str) -> bytes | None:
    """The secrets file without `user`'s password; None when there is no secrets file."""
    path = layout.secrets_path(root, env)
    if not path.is_file():
        return None
    with staged_copy(path) as staged:
        try:
            sops.unset_value(staged, f'["users"]["{user}"]', root=root)
        except ToolError as exc:
            if "not found" not in str(exc).lower():
                raise
        return staged.read_bytes()
