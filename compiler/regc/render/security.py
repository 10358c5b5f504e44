"""Security contexts that pass the Kubernetes `restricted` Pod Security Standard."""

from __future__ import annotations

from typing import Any

# No image here needs root or its own user: the registry, HAProxy and curl run as any id that owns
# their volumes (fsGroup). A high id (>= 10000) cannot collide with a user of the node.
RUN_AS = 10001


def pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
