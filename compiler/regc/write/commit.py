"""The repository on disk and its commit: changed units replaced all or nothing (stage, journal,
swap), an interrupted swap recovered. A unit whose folder stands as regc left it has only its changed
files swapped, one by one; any other (a new or emptied unit, one that loses files, one reached
through a symlink) has its whole folder swapped."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath

from regc.errors import RegcError
from regc.files import sync_files, write_atomic
from regc.layout import JOURNAL, MANIFEST, SCRATCH_PREFIX, STAGING, is_unit_directory
from regc.world import DiskFiles, TreeChange, refuse_files_in_the_way
from regc.write.lock import build_lock


class DiskRepository(DiskFiles):
    """The repository on disk, read as regc.world.DiskFiles reads it, committed to by the journaled
    swap, under the build lock (regc.write.lock)."""

    def commit(self, root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes]) -> None:
        commit(root, changes, inputs)

    def lock(self, root: Path) -> AbstractContextManager[None]:
        return build_lock(root)

    def recover(self, root: Path) -> bool:
        return recover(root)


def commit(root: Path, changes: Sequence[TreeChange], inputs: dict[Path, bytes] | None = None) -> None:
    """Make every changed unit on disk what it should be, or leave the tree as it was. `inputs` are
    secrets files with generated values: written once every unit is staged (so a build that stops
    before, on a file of yours in its way say, changes nothing), before the swap."""
    changed = [c for c in changes if c.changed]
    if not changed:
        _write_inputs(inputs or {})
        return
    refuse_files_in_the_way(changed)
    staging = root / STAGING
    _clear_staging(root)
    staging.mkdir()
    try:
        written: list[Path] = []
        swaps: list[tuple[str, str, str]] = []
        for change in changed:
            names = _files_to_swap(root, change)
            if names is None:
                swaps.append(_stage(root, staging, len(swaps), change, written))
            else:
                swaps += [
                    _stage_file(root, staging, len(swaps) + n, change, name, written) for n, name in enumerate(names)
                ]
        sync_files(written, staging)  # the staged files are durable before the journal names them
        _write_inputs(inputs or {})
        _write_journal(root, swaps)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    done: list[tuple[str, str, str]] = []
    try:
        for swap in swaps:
            _swap(root, *swap)
            done.append(swap)
    except BaseException:
        for swap in reversed(done):
            _unswap(root, *swap)
        (root / JOURNAL).unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    sync_files(sorted({(root / target).parent for _, target, _ in swaps}), root)  # before the journal goes
    (root / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    for change in changed:
        if not change.files:
            _remove_if_empty(root / change.directory)


def _files_to_swap(root: Path, change: TreeChange) -> list[str] | None:
    """The files of a unit to swap one by one (those whose bytes change), or None when its whole
    folder must be swapped: a unit that is new, emptied or loses files, or one whose folders are not
    all real folders already there (a symlink among them is moved, never followed)."""
    if change.extra or not change.files or not _real_folder(root, change.directory):
        return None
    folder = root / change.directory
    names = [name for name, content in change.files.items() if change.old.get(name) != content]
    for parent in {PurePosixPath(name).parent for name in names}:
        try:
            if not stat.S_ISDIR(os.lstat(folder / parent).st_mode):
                return None
        except FileNotFoundError:
            return None
    return names


def _real_folder(root: Path, directory: str) -> bool:
    """A unit's folders and manifest that are what they seem (a symlink among them takes the swap of
    the whole folder, which moves links and never follows them)."""
    parts = Path(directory).parts
    paths = [root.joinpath(*parts[: depth + 1]) for depth in range(len(parts))]
    return not any(path.is_symlink() for path in [*paths, root / directory / MANIFEST])


def recover(root: Path) -> bool:
    """Finish a swap that a killed build had committed to (its journal exists); True if it did."""
    journal = root / JOURNAL
    if not journal.is_file():
        _clear_staging(root)
        return False
    for staged, target, backup in _read_journal(root):
        if os.path.lexists(root / staged):  # not swapped yet
            _swap(root, staged, target, backup)
    journal.unlink()
    _clear_staging(root)
    return True


def _clear_staging(root: Path) -> None:
    """Remove regc's scratch folder; a symlink in its place is removed as a link, never followed."""
    staging = root / STAGING
    if staging.is_symlink() or staging.is_file():
        staging.unlink()
    else:
        shutil.rmtree(staging, ignore_errors=True)


def _read_journal(root: Path) -> list[tuple[str, str, str]]:
    """The swaps a journal lists, each checked to be regc's own: a staged folder or file and its
    backup under .regc-staging/, and a target that is base/, argocd/ or overlays/<name>, or a file in
    one of them reached through real folders only, all inside the repository once symlinks are
    resolved. A journal is a file a pull request could add: nothing else is moved."""
    text = (root / JOURNAL).read_text(encoding="utf-8", errors="replace")
    refuse = RegcError(
        f"{JOURNAL} lists paths that are not regc's own folders; nothing was moved",
        f"if no build was interrupted, delete {JOURNAL} (and {STAGING}/) and run `regc build`",
    )
    try:
        swaps = json.loads(text)
    except ValueError:
        raise refuse from None
    if not isinstance(swaps, list):
        raise refuse
    home = root.resolve()
    checked = []
    for swap in swaps:
        if not (isinstance(swap, list) and len(swap) == 3 and all(isinstance(part, str) for part in swap)):
            raise refuse
        staged, target, backup = swap
        owned_target = is_unit_directory(target) or _in_a_unit(root, target, home)
        in_staging = (
            all(
                len(p.split("/")) == 2 and p.split("/")[0] == STAGING and p.split("/")[1].removesuffix(".old").isdigit()
                for p in (staged, backup)
            )
            and backup == staged + ".old"
        )
        if not (owned_target and in_staging) or (root / STAGING).is_symlink():
            raise refuse
        for part in (staged, target, backup):
            resolved = (root / part).resolve()
            if resolved != home and home not in resolved.parents:
                raise refuse
        checked.append((staged, target, backup))
    return checked


def _in_a_unit(root: Path, target: str, home: Path) -> bool:
    """A file in one of regc's folders, named without detours (no `.`, `..` or empty part) and reached
    through real folders only: a swap renames through the folders above its target."""
    parts = target.split("/")
    unit = next((depth for depth in (1, 2) if is_unit_directory("/".join(parts[:depth]))), None)
    if unit is None or len(parts) <= unit or any(part in ("", ".", "..") for part in parts):
        return False
    return (root / target).parent.resolve() == home.joinpath(*parts[:-1])


def _stage(root: Path, staging: Path, index: int, change: TreeChange, written: list[Path]) -> tuple[str, str, str]:
    """Stage the unit's new folder (a file the build did not change is a hard link to the committed
    one); each file written is added to `written`, to be synced with the others."""
    current = root / change.directory
    staged = staging / f"{index}"
    ours = set(change.owned)
    kept = current.is_dir() and _has_files_of_yours(current, ours)
    if kept:
        # Keep what the user put here: copy every file regc did not write.
        shutil.copytree(
            current,
            staged,
            ignore=lambda d, names: [
                n
                for n in names
                if (Path(d) / n).relative_to(current).as_posix() in ours or n.startswith(SCRATCH_PREFIX)
            ],
        )
    else:
        staged.mkdir()
    folders = {staged}
    for name, content in change.files.items():
        path = staged / name
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        if change.old.get(name) == content and _link(current / name, path):
            continue  # unchanged: the committed file itself, already on disk, moves into the new folder
        path.write_bytes(content)
        written.append(path)
    if kept:
        _prune_empty_folders(staged)  # a folder of the copy may hold only files regc no longer writes
    return (
        staged.relative_to(root).as_posix(),
        change.directory,
        (staging / f"{index}.old").relative_to(root).as_posix(),
    )


def _stage_file(
    root: Path, staging: Path, index: int, change: TreeChange, name: str, written: list[Path]
) -> tuple[str, str, str]:
    """Stage one file of a unit whose folder stays: swapped in its place, the old file kept aside
    until the commit is done."""
    staged = staging / f"{index}"
    staged.write_bytes(change.files[name])
    written.append(staged)
    return (
        staged.relative_to(root).as_posix(),
        f"{change.directory}/{name}",
        (staging / f"{index}.old").relative_to(root).as_posix(),
    )


def _has_files_of_yours(folder: Path, ours: set[str], prefix: str = "") -> bool:
    """Whether `folder` holds a file regc did not write (most units hold none): one scan of each
    folder, no stat beyond what the scan gives."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return False
    for entry in entries:
        name = f"{prefix}{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            if _has_files_of_yours(Path(entry.path), ours, f"{name}/"):
                return True
        elif name not in ours and not entry.name.startswith(SCRATCH_PREFIX):
            return True
    return False


def _link(source: Path, target: Path) -> bool:
    """Hard-link a regular file of the current unit into the staged one; False where that fails."""
    try:
        if not stat.S_ISREG(os.lstat(source).st_mode):
            return False
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _write_inputs(inputs: dict[Path, bytes]) -> None:
    for path, content in inputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)  # `regc init` may make environments/
        write_atomic(path, content)


def _prune_empty_folders(top: Path) -> None:
    """Folders that held only files regc no longer writes (git keeps no empty folder either)."""
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def _write_journal(root: Path, swaps: list[tuple[str, str, str]]) -> None:
    write_atomic(root / JOURNAL, json.dumps(swaps).encode())


def _swap(root: Path, staged: str, target: str, backup: str) -> None:
    """A staged folder or file in its place, what was there moved aside (a link is moved, not followed).
    A recovery may find the old one moved aside already: it stays aside."""
    (root / target).parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(root / target) and not os.path.lexists(root / backup):
        os.rename(root / target, root / backup)
    os.rename(root / staged, root / target)


def _unswap(root: Path, staged: str, target: str, backup: str) -> None:
    os.rename(root / target, root / staged)
    if os.path.lexists(root / backup):
        os.rename(root / backup, root / target)


def _remove_if_empty(directory: Path) -> None:
    """An emptied overlay (its environment removed) disappears, with its empty subfolders."""
    if directory.is_dir() and not any(p.is_file() for p in directory.rglob("*")):
        shutil.rmtree(directory)
