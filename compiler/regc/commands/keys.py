"""`regc keys`: your age identity, and the recipients in .sops.yaml every secrets file is wrapped for."""

from __future__ import annotations

from pathlib import Path

from regc import layout
from regc.commands.inputs import changing, write_together
from regc.errors import InputError
from regc.secrets.sealer import staged_copy
from regc.secrets.sopsconfig import config_text, read_recipients
from regc.tools import sops
from regc.tools.age import RECIPIENT, create_identity, default_identity_file, recipients_of
from regc.world import World


def init(world: World) -> int:
    """Create the identity (if none) where sops looks, and add its recipient to .sops.yaml."""
    root = world.root
    identity = default_identity_file()
    if identity.is_file():
        recipient = recipients_of(identity)[0]
        print(f"using the existing identity {identity}")
    else:
        recipient = create_identity(identity)
        print(f"created {identity} (keep it safe: it opens every secret encrypted to it)")
    with changing(world):
        write_together(
            world, {root / layout.SOPS_CONFIG: config_text(root, [*read_recipients(root), recipient]).encode()}
        )
    print(f"recipient {recipient} is in {root / layout.SOPS_CONFIG}")
    return 0


def add(world: World, recipient: str) -> int:
    """Add a recipient to .sops.yaml, every secrets file re-wrapped for it, all or nothing. sops
    re-wraps the files on disk: this command needs the repository there."""
    root = world.root
    if not RECIPIENT.match(recipient):
        raise InputError(f"{recipient!r} is not an age recipient", "it looks like age1 followed by 58 characters")
    with changing(world):
        files = _rewrapped(root, config_text(root, [*read_recipients(root), recipient]))
        write_together(world, files)
    for path in files:
        if path.name != layout.SOPS_CONFIG:
            print(f"re-wrapped {path.relative_to(root)}")
    print("now run `regc build` to re-wrap the compiled Secrets")
    return 0


def _rewrapped(root: Path, config: str) -> dict[Path, bytes]:
    """Every secrets file re-wrapped for the recipients of `config` (a new .sops.yaml), and that config."""
    files: dict[Path, bytes] = {}
    with staged_copy(root / layout.SOPS_CONFIG, config.encode()) as staged_config:
        for path in sorted((root / layout.ENVIRONMENTS).glob(f"*{layout.SECRETS_SUFFIX}")):
            with staged_copy(path) as staged:
                sops.update_keys(staged, root=root, config=staged_config)
                files[path] = staged.read_bytes()
    files[root / layout.SOPS_CONFIG] = config.encode()
    return files
