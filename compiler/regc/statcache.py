"""Digests of files remembered by their stat (size, mtime, ctime, inode), as git's index does: a
no-op build hashes only the files that changed since the last one. Kept in the repository's `.git`
folder (never in the tree), and only for files whose stat is older than the clock's resolution can
tell apart (a file written in the same instant as its entry is hashed again, git's "racily clean").
Standard library only: the no-op path uses it."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

RACY_SECONDS = 2  # an entry younger than this may hide a write in the same tick: not trusted
CACHE = Path("regc") / "stat-cache.json"


class StatCache:
    """The digests of one repository's files, by path relative to its root."""

    def __init__(self, root: Path, *, trusted: bool = True) -> None:
        """`trusted`: take a digest from the cache when the stat matches; else hash every file (an
        exact check), still remembering what it hashed."""
        git = root / ".git"
        self.path = git / CACHE if git.is_dir() else None
        self.trusted = trusted
        self.prefix = f"{root}{os.sep}"  # keys are paths relative to the root (os.path.relpath is slow)
        self.entries: dict[str, list[int | str]] = {}
        self.changed = False
        if self.path is not None:
            try:
                self.entries = json.loads(self.path.read_text())
            except (OSError, ValueError):
                self.entries = {}

    def digest(self, path: Path) -> bytes:
        """The file's SHA-256 (FileNotFoundError and the like as reading it raises them)."""
        stat = os.stat(path)
        text = str(path)
        key = text[len(self.prefix) :] if text.startswith(self.prefix) else text
        known = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        entry = self.entries.get(key)
        if self.trusted and entry is not None and entry[:4] == known:
            return bytes.fromhex(str(entry[4]))
        digest = hashlib.sha256(path.read_bytes()).digest()
        if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_SECONDS * 10**9:
            self.entries[key] = [*known, digest.hex()]
            self.changed = True
        return digest

    def save(self) -> None:
        """Write the entries (atomically), when anything was learnt and a `.git` folder holds them."""
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            staged = self.path.with_suffix(f".{os.getpid()}.tmp")
            staged.write_text(json.dumps(self.entries, separators=(",", ":")))
            os.replace(staged, self.path)
        except OSError:
            return  # a cache that cannot be written is only slower next time
