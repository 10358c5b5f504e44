"""Atomic file replacement: a unique temporary file beside the target, synced, renamed over it, and
the folder synced. Every file regc writes outside a build's staged swap goes through here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` with `content` all at once; a reader sees the old file or the new, never a part.
    The temporary name is unique, so two writers of one file never share a scratch file."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".regc-tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as scratch:
            scratch.write(content)
            scratch.flush()
            os.fsync(scratch.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def sync_directory(folder: Path) -> None:
    """Make a rename in `folder` durable: after a crash the folder holds the new name, not the old."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
