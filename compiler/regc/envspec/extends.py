"""A spec that builds on a shared file (`extends`): where that file may be, and the merge of the two
documents with every part still located in the file it came from."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regc import layout
from regc.envspec.load import Document, Path_, Positions, load_yaml
from regc.errors import Problem, SpecError, shown

if TYPE_CHECKING:
    from regc.world import Files

KEY = "extends"


def extended(
    document: Document, path: Path, display: str, files: Files | None, *, positions: bool
) -> tuple[Document, Path | None]:
    """The document merged over the shared file it names, and that file; itself and None without
    `extends`."""
    value = document.data.get(KEY)
    if value is None:
        return document, None
    where = document.positions.locate((KEY,))
    if (
        not isinstance(value, str)
        or not value.isprintable()
        or not value.endswith((".yaml", ".yml"))
        or value.endswith(layout.SECRETS_SUFFIX)
    ):
        raise SpecError(
            [Problem(where, f"{KEY}: must name a YAML file such as shared/mirror.yaml, not {shown(value)}")]
        )
    resolve = files.resolve if files is not None else Path.resolve
    folder = resolve(path.parent)
    shared = resolve(folder / value)
    # In a folder under environments/: a file directly there is a spec, which no other spec builds on.
    if value.startswith("/") or not shared.parent.is_relative_to(folder) or shared.parent == folder:
        raise SpecError(
            [
                Problem(
                    where,
                    f"{KEY}: {shown(value)} is not a shared file in a folder under environments/",
                    "move what the specs share to such a file, such as shared/mirror.yaml (relative to this spec)",
                )
            ]
        )
    shared_display = posixpath.normpath(posixpath.join(posixpath.dirname(display), value))
    exists = files.is_file(shared) if files is not None else shared.is_file()
    if not exists:
        raise SpecError([Problem(where, f"{KEY}: no such file {shared_display}")])
    base = load_yaml(shared, shared_display, files, positions=positions)
    if KEY in base.data:
        raise SpecError(
            [
                Problem(
                    base.positions.locate((KEY,)),
                    f"{KEY}: a shared file cannot extend another one",
                    "keep one level: merge the two shared files",
                )
            ]
        )
    data = merge(base.data, document.data)
    merged = Positions(display)
    _take_positions(merged, base.positions, document.data, shared_display)
    merged.keys.update(document.positions.keys)
    merged.values.update(document.positions.values)
    for loc in document.positions.keys.keys() | document.positions.values.keys():
        merged.origins.pop(loc, None)
    return Document(data, merged), shared


def merge(base: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` over `base`: mappings key by key, anything else taken whole from `spec`."""
    merged = dict(base)
    for key, value in spec.items():
        below = merged.get(key)
        merged[key] = merge(below, value) if isinstance(value, dict) and isinstance(below, dict) else value
    return merged


def _take_positions(merged: Positions, base: Positions, spec: dict[str, Any], origin: str) -> None:
    """The shared file's positions of what the merge kept from it."""
    for table, into in ((base.keys, merged.keys), (base.values, merged.values)):
        for loc, position in table.items():
            if _kept(loc, spec):
                into[loc] = position
                merged.origins[loc] = origin


def _kept(loc: Path_, spec: dict[str, Any]) -> bool:
    """Whether the value at `loc` of the shared file survives the merge under `spec`."""
    node: Any = spec
    for part in loc:
        if not isinstance(node, dict):
            return False  # the spec gives a whole value above it
        if part not in node:
            return True
        node = node[part]
    return isinstance(node, dict)
