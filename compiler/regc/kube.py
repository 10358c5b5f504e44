"""Kubernetes' own conventions: the syntax of object names (RFC 1123 labels and subdomains) and the
skeleton of an object. Standard library only."""

from __future__ import annotations

import re
from typing import Any

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns_label(value: str) -> bool:
    """A Namespace's, a Service's or an environment's name: at most 63 characters."""
    return len(value) <= 63 and DNS_LABEL.match(value) is not None


def is_dns_subdomain(value: str) -> bool:
    """Most objects' names: at most 253 characters."""
    return len(value) <= 253 and DNS_SUBDOMAIN.match(value) is not None


def k8s_object(
    api_version: str, kind: str, name: str, *, labels: dict[str, Any] | None = None, **body: Any
) -> dict[str, Any]:
    """A Kubernetes object with its keys in the conventional order, labelled with `labels`."""
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = dict(labels)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
