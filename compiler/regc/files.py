"""Durable writes: atomic file replacement (a unique temporary file beside the target, synced,
renamed over it, and the folder synced), through which every file regc writes outside a build's
staged swap goes, and the sync of many files or folders at once for the commit's swap."""

from __future__ import annotations

import ctypes
import functools
import os
import tempfile
from collections.abc import Callable, Iterable
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


def sync_files(paths: Iterable[Path], folder: Path) -> None:
    """Make durable the contents of new files, or the entries of folders, all under `folder`. One
    syncfs(2) of the file system that holds `folder` where the system has it (Linux): the commit of a
    thousand units wrote several thousand files in as many folders, and an fsync each was a third of
    its cost; elsewhere an fsync a path."""
    syncfs = _syncfs()
    if syncfs is not None:
        handle = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(handle) == 0:
                return
        finally:
            os.close(handle)
    for path in paths:  # no syncfs, or it failed: each file on its own
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """libc's syncfs, or None where there is none (the running program's own symbols: Python links libc)."""
    try:
        syncfs: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return syncfs
