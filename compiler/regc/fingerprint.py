"""Digests of what a unit is made from and of what it holds: the no-op fast path compares them.
Standard library only: the fast path must not import what a full build needs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SOPS_CONFIG = ".sops.yaml"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """regc's own code: a new version (or a local edit of it) recompiles every unit."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except (FileNotFoundError, NotADirectoryError):
        return b"missing"


def base_inputs() -> str:
    return "sha256:" + hashlib.sha256(b"base\0" + code_fingerprint().encode()).hexdigest()


def overlay_inputs(root: Path, spec: Path, name: str, secrets: bytes | None = None) -> str:
    """The spec, its secrets file (ciphertext; `secrets`: its new bytes, not written yet), .sops.yaml
    and regc's code."""
    digest = hashlib.sha256(b"overlay\0" + code_fingerprint().encode())
    from regc.layout import secrets_path

    secrets_file = secrets_path(root, name)
    for path in (spec, secrets_file, root / SOPS_CONFIG):
        digest.update(
            hashlib.sha256(secrets).digest() if path is secrets_file and secrets is not None else _file_digest(path)
        )
    return "sha256:" + digest.hexdigest()


def every_spec_inputs(root: Path, specs: list[Path]) -> str:
    """Every spec and regc's code: what an object made from all environments depends on."""
    digest = hashlib.sha256(b"every\0" + code_fingerprint().encode())
    for spec in sorted(specs, key=lambda p: p.name):
        digest.update(spec.name.encode() + b"\0" + _file_digest(spec))
    return "sha256:" + digest.hexdigest()


def outputs_digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return "sha256:" + digest.hexdigest()
