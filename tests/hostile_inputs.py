"""Hostile inputs for the importers' tests: any shape of value (hypothesis), at any path of a real
document (mappings and list entries alike)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

WORD = st.sampled_from(["a", "name", "registry", "5000", "tls", "REGISTRY_STORAGE", "true", "", "é", "a: b"])
SHAPES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=6), WORD, st.just("registry:2.8.3")),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(WORD, inner, max_size=3)),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into `node`: each key of its mappings and each entry of its lists, at any depth."""
    found: list[tuple] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        found.append((*prefix, key))
        found += paths(value, (*prefix, key))
    return found


def mutated(document: Any, data: Any, most: int = 3) -> Any:
    """A copy of `document` with up to `most` of its paths given any other shape of value."""
    import copy

    document = copy.deepcopy(document)
    found = paths(document)
    for path in data.draw(st.lists(st.sampled_from(found), min_size=1, max_size=most)) if found else []:
        node = document
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = data.draw(SHAPES)
        except (KeyError, IndexError, TypeError):  # an earlier change replaced what held this path
            continue
    return document
