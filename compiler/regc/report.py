"""What a build tells the person who ran it: the change report, the stale list, the unified diff.
The one place that prints how the tree on disk differs from the compiled tree."""

from __future__ import annotations

import difflib
import sys
from typing import TYPE_CHECKING

from regc import layout

if TYPE_CHECKING:
    from regc.write.compare import UnitChanges


def up_to_date(units: list[tuple[str, int]], check: bool, *, verbose: bool = False) -> None:
    """Nothing to do: (directory, number of files) of each unit."""
    if check:
        overlays = sum(directory.startswith(f"{layout.OVERLAYS}/") for directory, _ in units)
        print(f"up to date: {overlays} environment(s)")
        return
    _unchanged(units, verbose)


def written(changes: list[UnitChanges], generated: dict[str, list[str]], *, verbose: bool = False) -> None:
    """After a build: what was generated into secrets files, one line per unit that changed, and the
    rest summed up in one line (each of them with `verbose`): a fleet of a thousand reads in a glance."""
    for name, values in generated.items():
        print(f"generated in {layout.secrets_display(name)}: {', '.join(values)}", file=sys.stderr)
    for change in changes:
        if change.changed:
            parts = [
                f"{len(names)} {label}"
                for label, names in (("updated", change.stale), ("added", change.missing), ("removed", change.extra))
                if names
            ]
            print(f"{change.unit.directory}: {', '.join(parts)}")
    _unchanged([(c.unit.directory, len(c.unit.files)) for c in changes if not c.changed], verbose)


def _unchanged(units: list[tuple[str, int]], verbose: bool) -> None:
    """`base/, argocd/ and 998 overlays up to date`, or one line a unit with `verbose`."""
    if verbose:
        for directory, count in units:
            print(f"{directory}: up to date ({count} files)")
        return
    overlays = sum(directory.startswith(f"{layout.OVERLAYS}/") for directory, _ in units)
    named = [f"{directory}/" for directory, _ in units if not directory.startswith(f"{layout.OVERLAYS}/")]
    parts = named + ([f"{overlays} overlay{'s' if overlays != 1 else ''}"] if overlays else [])
    if parts:
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        print(f"{listed} up to date")


def stale_lines(changes: list[UnitChanges], *, reasons: bool = True) -> list[str]:
    """`stale|missing|extra: DIR/FILE` for every file that differs (with why, when only a build with
    the key can tell)."""
    lines = []
    for change in changes:
        for label, names in (("stale", change.stale), ("missing", change.missing), ("extra", change.extra)):
            for name in names:
                why = change.unit.unresolved.get(name) if reasons else None
                lines.append(f"{label}: {change.unit.directory}/{name}" + (f" ({why})" if why else ""))
    return lines


def stale_specs(changes: list[UnitChanges]) -> list[str]:
    """The specs whose overlays differ from what they compile to (a spec changed without a build)."""
    sources = {change.unit.source for change in changes if change.changed}
    return sorted(s for s in sources if s.startswith(f"{layout.ENVIRONMENTS}/") and "*" not in s)


def stale(changes: list[UnitChanges]) -> None:
    for line in stale_lines(changes):
        print(line, file=sys.stderr)
    print("the compiled tree is not up to date: run `regc build`", file=sys.stderr)


def note(message: str) -> None:
    print(message, file=sys.stderr)


def unified_diff(changes: list[UnitChanges]) -> str:
    """A unified diff from the tree on disk to the compiled tree."""
    chunks = []
    for change in changes:
        directory = change.unit.directory
        for name in sorted({*change.stale, *change.missing, *change.extra}):
            if name in change.unit.unresolved:
                chunks.append(
                    f"# {directory}/{name}: would change ({change.unit.unresolved[name]}); "
                    "its new ciphertext needs a build with the key\n"
                )
                continue
            old = change.old.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            new = change.unit.files.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            before = f"a/{directory}/{name}" if name not in change.missing else "/dev/null"
            after = f"b/{directory}/{name}" if name not in change.extra else "/dev/null"
            chunks.extend(difflib.unified_diff(old, new, before, after))
    return "".join(chunks)
