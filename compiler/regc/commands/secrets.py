"""`regc secrets edit`: an environment's secrets file opened in your editor through sops."""

from __future__ import annotations

from regc.commands.inputs import changing, spec_path
from regc.errors import ToolError
from regc.secrets.store import ensure_secrets_file
from regc.tools import sops
from regc.world import World


def edit(world: World, env: str) -> int:
    """sops opens the file on disk in your editor: this command needs the repository there."""
    root = world.root
    spec_path(world, env)
    with changing(world):
        path = ensure_secrets_file(world, env)
        status = sops.edit(path, root=root)
    if status == sops.EDIT_UNCHANGED:
        print(f"{path.relative_to(root)}: no change")
        return 0
    if status == 128:
        raise ToolError(
            f"{path.relative_to(root)}: cannot decrypt: no age key here can open it",
            "set SOPS_AGE_KEY_FILE to an identity whose recipient is in .sops.yaml (default "
            "~/.config/sops/age/keys.txt), or ask a key holder to add yours",
        )
    if status:
        raise ToolError(f"sops edit {path.relative_to(root)} failed (exit {status}); the file is as it was")
    print(f"{path.relative_to(root)} saved (encrypted); run `regc build`")
    return 0
