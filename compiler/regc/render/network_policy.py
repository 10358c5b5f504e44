"""The NetworkPolicy around the registry pods: who reaches them, and what they reach."""

from __future__ import annotations

import ipaddress
from typing import Any

from regc.kube import k8s_object
from regc.plan.names import HTTP_PORT, METRICS_PORT_NAME
from regc.plan.plan import Plan

NAMESPACE_NAME = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace
DNS = {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}


def network_policy(plan: Plan) -> dict[str, Any] | None:
    spec = plan.spec
    policy = spec.network_policy
    if not policy.enabled:
        return None
    clients = [spec.namespace, *(spec.pull_secrets.namespaces if spec.pull_secrets else []), *policy.client_namespaces]
    if spec.ingress is not None and policy.ingress_controller_namespace:
        clients.append(policy.ingress_controller_namespace)
    ingress = [{"from": [_namespaces(sorted(set(clients)))], "ports": [{"protocol": "TCP", "port": HTTP_PORT}]}]
    if spec.metrics.enabled and policy.monitoring_namespace:
        ingress.append(
            {
                "from": [_namespaces([policy.monitoring_namespace])],
                "ports": [{"protocol": "TCP", "port": METRICS_PORT_NAME}],
            }
        )
    egress = [DNS]
    front = spec.radosgw
    names = plan.names
    if front is not None and front.front == "haproxy":
        egress.append(
            {
                "to": [{"podSelector": {"matchLabels": dict(names.radosgw_front_labels)}}],
                "ports": [{"protocol": "TCP", "port": front.port}],
            }
        )
    destinations = [_block(host) for host in (front.hosts if front and front.front == "endpoints" else [])]
    destinations += [{"ipBlock": {"cidr": cidr}} for cidr in policy.egress_cidrs]
    if destinations:
        egress.append({"to": destinations})
    return k8s_object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        names.deployment,
        labels=names.base_labels,
        spec={
            "podSelector": {"matchLabels": dict(names.selector_labels)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    )


def radosgw_front_policy(plan: Plan) -> dict[str, Any] | None:
    """The HAProxy front's pods: in, the registry's pods on radosgw's port; out, the radosgw hosts."""
    spec = plan.spec
    front = spec.radosgw
    if not spec.network_policy.enabled or front is None or front.front != "haproxy":
        return None
    names = plan.names
    port = [{"protocol": "TCP", "port": front.port}]
    body = {
        "podSelector": {"matchLabels": dict(names.radosgw_front_labels)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {"matchLabels": dict(names.selector_labels)}}], "ports": port}],
        "egress": [{"to": [_block(host) for host in front.hosts], "ports": port}],
    }
    return k8s_object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        names.radosgw_front(front.service_name),
        labels=names.base_labels,
        spec=body,
    )


def smoke_test_policy(plan: Plan) -> dict[str, Any] | None:
    """The smoke test's pods, under a NetworkPolicy too: nothing in, out only to DNS and the registry."""
    spec = plan.spec
    if not (spec.network_policy.enabled and spec.smoke_test.enabled):
        return None
    names = plan.names
    registry = {
        "to": [{"podSelector": {"matchLabels": dict(names.selector_labels)}}],
        "ports": [{"protocol": "TCP", "port": HTTP_PORT}],
    }
    body = {
        "podSelector": {"matchLabels": dict(names.smoke_test_labels)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [DNS, registry],
    }
    return k8s_object(
        "networking.k8s.io/v1", "NetworkPolicy", names.smoke_test_policy, labels=names.base_labels, spec=body
    )


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {"namespaceSelector": {"matchExpressions": [{"key": NAMESPACE_NAME, "operator": "In", "values": names}]}}


def _block(address: str) -> dict[str, Any]:
    ip = ipaddress.ip_address(address)
    return {"ipBlock": {"cidr": f"{ip}/{ip.max_prefixlen}"}}
