"""What a compiler run touches outside its own code: the repository (read, and committed to), the
sealer that encrypts (sops), the clock and the random source. In use: the disk (committed to by the
journaled swap of regc.write.commit), sops, the system clock and the OS's randomness; in memory: a
repository held in memory (the importers' trial builds, the tests) and a fake sealer, so the whole
pipeline runs in one process. Standard library only (and regc.errors, itself so):
the no-op path reads the disk through `DiskFiles` too."""

from __future__ import annotations

import contextlib
import datetime
import posixpath
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from regc.errors import in_the_way


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


def files_under(files: Files, folder: Path) -> Iterator[Path]:
    """Every file under `folder`, at any depth (none when it is no folder)."""
    return (path for path, is_folder in _walk(files, folder) if not is_folder and files.is_file(path))


def folders_under(files: Files, folder: Path) -> Iterator[Path]:
    """Every folder under `folder`, at any depth."""
    return (path for path, is_folder in _walk(files, folder) if is_folder)


def _walk(files: Files, folder: Path) -> Iterator[tuple[Path, bool]]:
    for child in files.children(folder):
        is_folder = files.is_dir(child)
        yield child, is_folder
        if is_folder:
            yield from _walk(files, child)


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

    @property
    def owned(self) -> frozenset[str]:
        """The names of regc's files there before the build (its manifest's list): any other file
        there is the user's, kept; one where the build would write stops it (regc.errors.in_the_way)."""
        ...


def refuse_files_in_the_way(changes: Sequence[TreeChange]) -> None:
    """Stop a commit, before it writes anything, at the first file of the user's where it would write
    one of regc's (regc's own files there are the manifest's: `owned`)."""
    for change in (c for c in changes if c.changed):
        for name in change.files:
            if name in change.old and name not in change.owned:
                raise in_the_way(f"{change.directory}/{name}")


class Repository(Files, Protocol):
    """The repository, read and committed to: the one way a run changes it."""

    def commit(self, root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes]) -> None:
        """Make every changed folder hold exactly its files (the user's own files in it kept; a
        folder left with none removed), and write `inputs` (secrets files that gained generated
        values): all of it, or nothing. With no changes, it writes `inputs` only (a command that
        changes a spec and its secrets file)."""
        ...

    def lock(self, root: Path) -> AbstractContextManager[None]:
        """Held while a run changes the repository: no build or command interleaves with another."""
        ...

    def recover(self, root: Path) -> bool:
        """Finish a commit that a killed run left half-done; True if there was one."""
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

    def unset(self, ciphertext: bytes, target: str, key: tuple[str, ...]) -> bytes:
        """The encrypted document without the value at `key` (as it was when there is none)."""
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
    """A repository held in memory: {absolute path: bytes}. Folders exist where files are; a relative
    path is read from `cwd`, as the disk reads it from the working folder."""

    files: dict[PurePosixPath, bytes] = field(default_factory=dict)
    cwd: PurePosixPath = field(default_factory=lambda: PurePosixPath("/"))
    _writes: int = field(default=0, repr=False, compare=False)
    _index: tuple[tuple[int, int, int], dict[PurePosixPath, set[str]]] | None = field(
        default=None, repr=False, compare=False
    )

    def _key(self, path: Path | PurePosixPath) -> PurePosixPath:
        return PurePosixPath(posixpath.normpath(self.cwd / path))

    def _folders(self) -> dict[PurePosixPath, set[str]]:
        """Every folder and the names in it, made again when files come or go."""
        stamp = (id(self.files), len(self.files), self._writes)
        if self._index is None or self._index[0] != stamp:
            folders: dict[PurePosixPath, set[str]] = {}
            for key in self.files:
                for parent, child in zip(key.parents, (key, *key.parents), strict=False):
                    folders.setdefault(parent, set()).add(child.name)
            self._index = (stamp, folders)
        return self._index[1]

    def write(self, path: Path, content: bytes) -> None:
        key = self._key(path)
        if key not in self.files:
            self._writes += 1
        self.files[key] = content

    def remove(self, path: Path) -> None:
        del self.files[self._key(path)]
        self._writes += 1

    def read_bytes(self, path: Path) -> bytes:
        key = self._key(path)
        if key in self.files:
            return self.files[key]
        if self.is_dir(path):
            raise IsADirectoryError(str(path))
        raise FileNotFoundError(str(path))

    def is_file(self, path: Path) -> bool:
        return self._key(path) in self.files

    def is_dir(self, path: Path) -> bool:
        return self._key(path) in self._folders()

    def children(self, path: Path) -> list[Path]:
        """The entries of a folder, named as `path` names them (relative stays relative)."""
        return sorted(path / name for name in self._folders().get(self._key(path), ()))

    def resolve(self, path: Path) -> Path:
        return Path(self._key(path))

    def under(self, folder: Path) -> Iterator[tuple[str, bytes]]:
        """(path relative to `folder`, bytes) of every file under it."""
        base = self._key(folder)
        for key in sorted(self.files):
            if base in key.parents:
                yield key.relative_to(base).as_posix(), self.files[key]

    def lock(self, root: Path) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # one process, one run at a time

    def recover(self, root: Path) -> bool:
        return False  # a commit in memory never stops half-way

    def commit(self, root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes]) -> None:
        """The commit in memory: every change at once, or none when a file of the user's is in the way."""
        refuse_files_in_the_way(changes)
        for change in (c for c in changes if c.changed):
            folder = root / change.directory
            for name in change.extra:
                self.files.pop(self._key(folder / name), None)
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
