"""Object skeletons: apiVersion, kind and metadata first, with the shared labels."""

from __future__ import annotations

from regc.plan.names import BASE_LABELS


def k8s_object(api_version: str, kind: str, name: str, *, labels: bool = True, **body) -> dict:
    """A Kubernetes object with its keys in the conventional order."""
    metadata: dict = {"name": name}
    if labels:
        metadata["labels"] = dict(BASE_LABELS)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
