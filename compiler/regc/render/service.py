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
    body: dict[str, Any] = {"type": settings.type, "selector": dict(names.selector_labels), "ports": [port]}
    if settings.load_balancer_ip:
        body["loadBalancerIP"] = settings.load_balancer_ip
    if settings.load_balancer_source_ranges:
        body["loadBalancerSourceRanges"] = list(settings.load_balancer_source_ranges)
    if settings.external_traffic_policy:
        body["externalTrafficPolicy"] = settings.external_traffic_policy
    labels = {**names.base_labels, **dict(sorted(settings.labels.items()))}
    obj = k8s_object("v1", "Service", names.service, labels=labels, spec=body)
    if settings.annotations:
        obj["metadata"]["annotations"] = dict(sorted(settings.annotations.items()))
    return obj
