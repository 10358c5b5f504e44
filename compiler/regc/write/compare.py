"""Compare compiled units with the tree as it stands: stale, missing and extra files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from regc import layout
from regc.cache import DISK, owned_files
from regc.emit.tree import Unit
from regc.world import Files


@dataclass
class UnitChanges:
    """How one unit on disk differs from what the specs compile to."""

    unit: Unit
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    old: dict[str, bytes] = field(default_factory=dict)
    owned: frozenset[str] = frozenset()  # regc's files there before the build (its manifest says)

    @property
    def changed(self) -> bool:
        return bool(self.stale or self.missing or self.extra)

    @property
    def directory(self) -> str:
        return self.unit.directory

    @property
    def files(self) -> dict[str, bytes]:
        return self.unit.files


def compare_unit(root: Path, unit: Unit, files: Files = DISK) -> UnitChanges:
    directory = root / unit.directory
    owned = owned_files(directory, files)
    changes = UnitChanges(unit, owned=frozenset(owned))
    for name, content in unit.files.items():
        try:
            current = files.read_bytes(directory / name)
        except (FileNotFoundError, NotADirectoryError):
            changes.missing.append(name)
            continue
        changes.old[name] = current
        if current != content or name in unit.unresolved:
            changes.stale.append(name)
    changes.missing.extend(name for name in unit.unresolved if name not in unit.files)
    for name in owned:
        if name not in unit.files and files.is_file(directory / name):
            changes.extra.append(name)
            changes.old[name] = files.read_bytes(directory / name)
    return changes


def orphan_units(root: Path, keep: set[str], files: Files = DISK) -> list[Unit]:
    """Overlay directories regc wrote for environments that no longer exist: to be emptied."""
    orphans = []
    for directory in files.children(root / layout.OVERLAYS):
        relative = layout.overlay_directory(directory.name)
        if relative not in keep and files.is_file(directory / layout.MANIFEST):
            orphans.append(Unit(relative, "removed environment"))
    return orphans
