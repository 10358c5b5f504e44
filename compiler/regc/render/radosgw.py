"""The guide's HA front for radosgw: a selector-less Service and its EndpointSlices."""

from __future__ import annotations

import ipaddress
from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"


def radosgw_objects(plan: Plan) -> list[dict[str, Any]]:
    front = plan.spec.radosgw
    if front is None:
        return []
    port = {"name": "http", "port": front.port, "protocol": "TCP"}
    labels = plan.names.base_labels
    service = k8s_object(
        "v1",
        "Service",
        front.service_name,
        labels=labels,
        spec={
            "type": "ClusterIP",
            "sessionAffinity": "ClientIP",  # a client's requests stay on one radosgw, as in the guide
            "ports": [{**port, "targetPort": front.port}],
        },
    )
    objects = [service]
    families: dict[str, list[str]] = {"IPv4": [], "IPv6": []}
    for host in front.hosts:
        families["IPv4" if ipaddress.ip_address(host).version == 4 else "IPv6"].append(host)
    for family, hosts in families.items():
        if not hosts:
            continue
        endpoint_slice = k8s_object(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            f"{front.service_name}-{family.lower()}",
            labels=labels,
            addressType=family,
            endpoints=[{"addresses": [h], "conditions": {"ready": True}} for h in hosts],
            ports=[port],
        )
        endpoint_slice["metadata"]["labels"].update(
            {"kubernetes.io/service-name": front.service_name, MANAGED_BY: "regc"}
        )
        objects.append(endpoint_slice)
    if front.legacy_endpoints:
        objects.append(
            k8s_object(
                "v1",
                "Endpoints",
                front.service_name,
                labels=labels,
                subsets=[{"addresses": [{"ip": h} for h in front.hosts], "ports": [port]}],
            )
        )
    return objects
