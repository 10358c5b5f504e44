"""Strategic-merge patches that turn a base object into an environment's object."""

from __future__ import annotations

from typing import Any

# Lists that a strategic merge patch merges item by item, and the key that identifies an item
# (from the Kubernetes API's patchMergeKey). Every other list is replaced whole.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
}

_SAME = object()


def object_patch(base: dict[str, Any], target: dict[str, Any]) -> dict[str, Any] | None:
    """A patch that kustomize applies to `base` to give `target`; None when they are equal."""
    changes = _diff_mapping(base, target)
    if changes is _SAME:
        return None
    patch = {
        "apiVersion": target["apiVersion"],
        "kind": target["kind"],
        "metadata": {"name": target["metadata"]["name"]},
    }
    for key, value in changes.items():
        if key == "metadata":
            patch["metadata"].update(value)
        else:
            patch[key] = value
    return patch


def delete_patch(base: dict[str, Any]) -> dict[str, Any]:
    """A patch that removes `base` from the build."""
    return {
        "$patch": "delete",
        "apiVersion": base["apiVersion"],
        "kind": base["kind"],
        "metadata": {"name": base["metadata"]["name"]},
    }


def _diff(base: Any, target: Any, field: str) -> Any:
    if base == target:
        return _SAME
    if isinstance(base, dict) and isinstance(target, dict):
        return _diff_mapping(base, target)
    if isinstance(base, list) and isinstance(target, list):
        return _diff_list(base, target, field)
    return target


def _diff_mapping(base: dict[str, Any], target: dict[str, Any]) -> Any:
    changes: dict[str, Any] = {}
    for key, value in target.items():
        if key not in base:
            changes[key] = value
            continue
        change = _diff(base[key], value, key)
        if change is not _SAME:
            changes[key] = change
    for key in base:
        if key not in target:
            changes[key] = None  # null deletes the key
    return changes or _SAME


def _diff_list(base: list[Any], target: list[Any], field: str) -> Any:
    key = MERGE_KEYS.get(field)
    target_keys = _keys(target, key) if key else None
    if target_keys is not None and target_keys == _keys(base, key):
        items = []
        for old, new in zip(base, target, strict=False):
            change = _diff_mapping(old, new)
            if change is not _SAME:
                items.append({key: new[key], **change})
        return items
    if any(isinstance(item, dict) for item in base + target):
        # A strategic merge would merge these items with the base's; replace the list instead.
        return [{"$patch": "replace"}, *target]
    return target


def _keys(items: list[Any], key: str | None) -> list[Any] | None:
    if not all(isinstance(item, dict) and key in item for item in items):
        return None
    return [item[key] for item in items]
