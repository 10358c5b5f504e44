"""Compare compiled units with what is on disk: stale, missing and extra files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from regc import layout
from regc.cache import owned_files
from regc.emit.tree import Unit


@dataclass
class UnitChanges:
    """How one unit on disk differs from what the specs compile to."""

    unit: Unit
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    old: dict[str, bytes] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.stale or self.missing or self.extra)


def compare_unit(root: Path, unit: Unit) -> UnitChanges:
    directory = root / unit.directory
    changes = UnitChanges(unit)
    for name, content in unit.files.items():
        try:
            current = (directory / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            changes.missing.append(name)
            continue
        changes.old[name] = current
        if current != content or name in unit.unresolved:
            changes.stale.append(name)
    changes.missing.extend(name for name in unit.unresolved if name not in unit.files)
    for name in owned_files(directory):
        if name not in unit.files and (directory / name).is_file():
            changes.extra.append(name)
            changes.old[name] = (directory / name).read_bytes()
    return changes


def orphan_units(root: Path, keep: set[str]) -> list[Unit]:
    """Overlay directories regc wrote for environments that no longer exist: to be emptied."""
    orphans = []
    overlays = root / layout.OVERLAYS
    if overlays.is_dir():
        for directory in sorted(overlays.iterdir()):
            relative = layout.overlay_directory(directory.name)
            if relative not in keep and (directory / layout.MANIFEST).is_file():
                orphans.append(Unit(relative, "removed environment"))
    return orphans
