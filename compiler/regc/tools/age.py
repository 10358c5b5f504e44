"""The real `age-keygen`: make an age identity, or read the recipient of one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from regc.errors import ToolError

RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


def default_identity_file() -> Path:
    """Where sops looks for age identities: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt."""
    explicit = os.environ.get("SOPS_AGE_KEY_FILE")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "sops" / "age" / "keys.txt"


def _keygen() -> str:
    found = shutil.which("age-keygen")
    if not found:
        raise ToolError("age-keygen is not installed", "install age (Debian/Ubuntu: apt-get install age)")
    return found


def create_identity(path: Path) -> str:
    """Write a new identity to `path` (mode 0600) and return its recipient."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    done = subprocess.run([_keygen(), "-o", str(path)], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise ToolError(f"age-keygen failed: {done.stderr.strip().splitlines()[-1:]}")
    os.chmod(path, 0o600)
    return recipients_of(path)[0]


def recipients_of(path: Path) -> list[str]:
    """The public recipients of the identities in `path`."""
    done = subprocess.run([_keygen(), "-y", str(path)], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise ToolError(f"{path} is not an age identity file", "point SOPS_AGE_KEY_FILE at an age key")
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]
