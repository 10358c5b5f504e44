"""Object skeletons: apiVersion, kind and metadata first, with the shared labels."""

from __future__ import annotations

from typing import Any


def k8s_object(
    api_version: str, kind: str, name: str, *, labels: dict[str, Any] | None = None, **body: Any
) -> dict[str, Any]:
    """A Kubernetes object with its keys in the conventional order, labelled with `labels`."""
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = dict(labels)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
