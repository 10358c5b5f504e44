"""What a compiler run touches outside its own code: the repository (read, and committed to), the
sealer that encrypts (sops), the clock and the random source. In use: the disk (committed to by the
journaled swap of regc.write.commit), sops, the system clock and the OS's randomness; in memory: a
repository held in memory (the importers' trial builds, the tests) and a fake sealer, so the whole
pipeline runs in one process. Standard library only: the no-op path reads the disk through
`DiskFiles` too."""

from __future__ import annotations

import datetime
import posixpath
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol


class Files(Protocol):
    """Read access to the repository."""

    def read_bytes(self, path: Path) -> bytes:
        """The file's bytes; FileNotFoundError when there is no file, IsADirectoryError for a folder."""
        ...

    def is_file(self, path: Path) -> bool: ...

    def is_dir(self, path: Path) -> bool: ...

    def children(self, path: Path) -> list[Path]:
        """The entries of a folder, sorted; [] when it is no folder."""
        ...

    def resolve(self, path: Path) -> Path: ...


class TreeChange(Protocol):
    """One folder of the compiled tree as a build leaves it (regc.write.compare.UnitChanges)."""

    @property
    def directory(self) -> str:
        """The folder, relative to the root (base, overlays/prod, ...)."""
        ...

    @property
    def files(self) -> dict[str, bytes]:
        """Every file regc writes there, by path relative to the folder."""
        ...

    @property
    def changed(self) -> bool: ...

    @property
    def extra(self) -> list[str]:
        """regc's files there that it writes no more."""
        ...

    @property
    def old(self) -> dict[str, bytes]:
        """The bytes of regc's files there before the build."""
        ...


class Repository(Files, Protocol):
    """The repository, read and committed to: the one way a run changes it."""

    def commit(self, root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes]) -> None:
        """Make every changed folder hold exactly its files (the user's own files in it kept; a
        folder left with none removed), and write `inputs` (secrets files that gained generated
        values): all of it, or nothing."""
        ...


class Sealer(Protocol):
    """Encryption of Secrets and secrets files for the recipients of the repository's .sops.yaml.
    `target` is a path relative to the root: it chooses the creation rule."""

    def recipients(self) -> list[str]:
        """The recipients of the compiled tree, sorted; [] when none are configured."""
        ...

    def encrypt(self, plaintext: bytes, target: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes, target: str) -> bytes: ...

    def set_values(self, ciphertext: bytes, target: str, values: dict[tuple[str, ...], object]) -> bytes:
        """The encrypted document with each value set at its key path, every other value kept."""
        ...

    def rewrap(self, ciphertext: bytes, target: str) -> bytes:
        """The same plaintext for the current recipients (each value's ciphertext kept)."""
        ...


class Random(Protocol):
    def token(self, nbytes: int) -> str:
        """A URL-safe random text of `nbytes` random bytes."""
        ...

    def choice(self, alphabet: str) -> str: ...


class SystemRandom:
    """The OS's randomness (the `secrets` module)."""

    def token(self, nbytes: int) -> str:
        return secrets.token_urlsafe(nbytes)

    def choice(self, alphabet: str) -> str:
        return secrets.choice(alphabet)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class DiskFiles:
    """The repository on disk, read (regc.write.commit.DiskRepository commits to it too)."""

    def read_bytes(self, path: Path) -> bytes:
        return path.read_bytes()

    def is_file(self, path: Path) -> bool:
        return path.is_file()

    def is_dir(self, path: Path) -> bool:
        return path.is_dir()

    def children(self, path: Path) -> list[Path]:
        return sorted(path.iterdir()) if path.is_dir() else []

    def resolve(self, path: Path) -> Path:
        return path.resolve()


@dataclass
class MemoryFiles:
    """A repository held in memory: {absolute path: bytes}. Folders exist where files are."""

    files: dict[PurePosixPath, bytes] = field(default_factory=dict)

    def write(self, path: Path, content: bytes) -> None:
        self.files[PurePosixPath(path)] = content

    def read_bytes(self, path: Path) -> bytes:
        key = PurePosixPath(path)
        if key in self.files:
            return self.files[key]
        if self.is_dir(path):
            raise IsADirectoryError(str(path))
        raise FileNotFoundError(str(path))

    def is_file(self, path: Path) -> bool:
        return PurePosixPath(path) in self.files

    def is_dir(self, path: Path) -> bool:
        folder = PurePosixPath(path)
        return any(folder in key.parents for key in self.files)

    def children(self, path: Path) -> list[Path]:
        folder = PurePosixPath(path)
        depth = len(folder.parts) + 1
        return sorted({Path(*key.parts[:depth]) for key in self.files if folder in key.parents})

    def resolve(self, path: Path) -> Path:
        return Path(posixpath.normpath(path))

    def under(self, folder: Path) -> Iterator[tuple[str, bytes]]:
        """(path relative to `folder`, bytes) of every file under it."""
        base = PurePosixPath(folder)
        for key in sorted(self.files):
            if base in key.parents:
                yield key.relative_to(base).as_posix(), self.files[key]

    def commit(self, root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes]) -> None:
        """The commit in memory: every change at once (nothing can fail half-way here)."""
        for change in (c for c in changes if c.changed):
            folder = root / change.directory
            for name in change.extra:
                self.files.pop(PurePosixPath(folder / name), None)
            for name, content in change.files.items():
                self.write(folder / name, content)
        for path, content in inputs.items():
            self.write(path, content)


@dataclass(frozen=True)
class World:
    """Everything a compiler run reads, writes or draws on."""

    root: Path
    files: Repository
    sealer: Sealer
    clock: Callable[[], datetime.datetime] = utc_now
    random: Random = field(default_factory=SystemRandom)
