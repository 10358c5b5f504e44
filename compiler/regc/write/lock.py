"""A lock on the output root so that two builds cannot interleave."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regc.layout import LOCK_FILE


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on `root` for the duration; wait (and say so) if another build has it."""
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("regc: waiting for another regc build in this repository to finish", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
