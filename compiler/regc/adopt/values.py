"""Reading an input document key by key while remembering what was taken: whatever is left at the end
is reported, with its path and why, so that nothing of what a team runs is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Unmapped:
    """A setting of the input that has no place in the spec: where, why, and what could carry it."""

    path: str
    reason: str
    instead: str = ""

    def line(self, source: str) -> str:
        text = f"{source}: {self.path}: not mapped: {self.reason}"
        return text + (f" (use {self.instead})" if self.instead else "")


@dataclass
class Taken:
    """A document and the paths read from it."""

    data: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    used: set[Path_] = field(default_factory=set)
    unmapped: list[Unmapped] = field(default_factory=list)

    def get(self, *path: str | int, default: Any = None) -> Any:
        """The value at `path` (and everything under it) taken."""
        self.used.add(path)
        node = _at(self.data, path)
        return default if node is _MISSING or node is None else node

    def take(self, path: Path_, *keys: str) -> dict[str, Any]:
        """The mapping at `path` with only `keys` taken: any other key of it is left to report."""
        for key in keys:
            self.used.add((*path, key))
        node = self.get_untaken(path)
        return node if isinstance(node, dict) else {}

    def get_untaken(self, path: Path_) -> Any:
        node: Any = self.data
        for part in path:
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node

    def refuse(self, path: Path_, reason: str, instead: str = "") -> None:
        """A value that is set and cannot be mapped."""
        self.used.add(path)
        self.unmapped.append(Unmapped(dotted(path), reason, instead))

    def left(self) -> list[Path_]:
        """The leaves nobody took that differ from the defaults (a default is no setting of the team's)."""
        found = []
        for path, value in leaves(self.data):
            if any(path[: len(u)] == u for u in self.used):
                continue
            if _at(self.defaults, path) == value:
                continue
            found.append(path)
        return found


def leaves(node: Any, prefix: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every leaf of a document (an empty mapping or list counts as one)."""
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in leaves(value, (*prefix, str(key)))]
    if isinstance(node, list) and node:
        return [leaf for index, value in enumerate(node) for leaf in leaves(value, (*prefix, index))]
    return [(prefix, node)]


def value_at(node: Any, path: Path_, missing: Any = None) -> Any:
    """The value at `path` of a document; `missing` where there is none."""
    found = _at(node, path)
    return missing if found is _MISSING else found


def _at(node: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return _MISSING
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


_MISSING = object()


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
