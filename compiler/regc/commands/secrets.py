"""`regc secrets edit`: an environment's secrets file opened in your editor through sops."""

from __future__ import annotations

from pathlib import Path

from regc.commands.inputs import changing, spec_path
from regc.errors import ToolError
from regc.secrets.store import ensure_secrets_file
from regc.tools import sops


def edit(root: Path, env: str) -> int:
    spec_path(root, env)
    with changing(root):
        path = ensure_secrets_file(root, env)
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
