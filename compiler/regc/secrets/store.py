"""New contents of a secrets file for the `user` and `secrets` commands, through the world's sealer:
ciphertext returned to the caller, which writes every file a command changes together."""

from __future__ import annotations

from pathlib import Path

from regc import layout, yamltext
from regc.world import World


def ensure_secrets_file(world: World, env: str) -> Path:
    """The secrets file of `env`, created (encrypted, empty of users) if it does not exist."""
    path = layout.secrets_path(world.root, env)
    if not world.files.is_file(path):
        sealed = world.sealer.encrypt(yamltext.dump({"users": {}}).encode(), layout.secrets_display(env))
        world.files.commit(world.root, [], {path: sealed})
    return path


def with_password(world: World, env: str, user: str, password: str) -> bytes:
    """The secrets file with `user`'s password set (created when there is none)."""
    path, target = layout.secrets_path(world.root, env), layout.secrets_display(env)
    if not world.files.is_file(path):
        return world.sealer.encrypt(yamltext.dump({"users": {user: password}}).encode(), target)
    return world.sealer.set_values(world.files.read_bytes(path), target, {("users", user): password})


def without_password(world: World, env: str, user: str) -> bytes | None:
    """The secrets file without `user`'s password; None when there is no secrets file."""
    path = layout.secrets_path(world.root, env)
    if not world.files.is_file(path):
        return None
    return world.sealer.unset(world.files.read_bytes(path), layout.secrets_display(env), ("users", user))
