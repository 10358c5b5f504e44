"""The Service in front of the registry pods."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def service(plan: Plan) -> dict[str, Any]:
    settings = plan.spec.service
    port: dict[str, Any] = {"name": "http", "port": settings.port, "targetPort": "http", "protocol": "TCP"}
    if settings.node_port is not None:
        port["nodePort"] = settings.node_port
    names = plan.names
    obj = k8s_object(
        "v1",
        "Service",
        names.service,
        labels=names.base_labels,
        spec={"type": settings.type, "selector": dict(names.selector_labels), "ports": [port]},
    )
    if settings.annotations:
        obj["metadata"]["annotations"] = dict(sorted(settings.annotations.items()))
    return obj
