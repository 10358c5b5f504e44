"""The radosgw front: a Service over the radosgw hosts, through HAProxy pods that check them, or
the guide's selector-less Service with its EndpointSlices."""

from __future__ import annotations

import ipaddress
from typing import Any

from regc.envspec.model import Radosgw
from regc.kube import k8s_object
from regc.plan.plan import Plan
from regc.render import haproxy
from regc.render.haproxy import CONFIG_DIR, preamble
from regc.render.security import container_security_context, pod_security_context

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"


def radosgw_objects(plan: Plan) -> list[dict[str, Any]]:
    front = plan.spec.radosgw
    if front is None:
        return []
    if front.front == "haproxy":
        return _haproxy_front(plan, front)
    return _endpoints_front(plan, front)


def haproxy_config(front: Radosgw) -> str:
    """HAProxy over the hosts: each checked every 2 s (down after 2 misses, up after 2 answers, its
    open connections closed when it goes down), and a connection a host does not take tried again
    on another (`redispatch`)."""
    servers = [f"  server rgw{index} {_address(host)}:{front.port}" for index, host in enumerate(front.hosts, 1)]
    return "\n".join(
        [
            *preamble("2s"),
            "  retries 3",
            "  option redispatch 1",
            "frontend radosgw",
            f"  bind :{front.port}",
            "  default_backend radosgw",
            "backend radosgw",
            "  balance leastconn",
            "  option httpchk GET /",
            "  http-check expect status 200",
            # A host marked down takes its open connections with it: a request in flight there fails
            # at once, not after the Swift or S3 client's own timeout.
            "  default-server check inter 2s fall 2 rise 2 on-marked-down shutdown-sessions",
            *servers,
            "",
        ]
    )


def _haproxy_front(plan: Plan, front: Radosgw) -> list[dict[str, Any]]:
    names = plan.names
    name, labels = names.radosgw_front(front.service_name), names.radosgw_front_labels
    object_labels = {**names.base_labels, **labels}
    config = haproxy_config(front)
    service = k8s_object(
        "v1",
        "Service",
        front.service_name,
        labels=object_labels,
        spec={
            "type": "ClusterIP",
            "selector": dict(labels),
            "ports": [{"name": "http", "port": front.port, "protocol": "TCP", "targetPort": "http"}],
        },
    )
    configmap = haproxy.configmap(name, object_labels, config)
    pod = {
        "metadata": haproxy.pod_metadata(labels, config),
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": pod_security_context(),
            **plan.pod_images(),
            "affinity": {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "labelSelector": {"matchLabels": dict(labels)},
                                "topologyKey": "kubernetes.io/hostname",
                            },
                        }
                    ]
                }
            },
            "containers": [
                {
                    "name": "haproxy",
                    "image": front.image,
                    "imagePullPolicy": plan.spec.image_pull_policy,
                    "args": ["-f", f"{CONFIG_DIR}/haproxy.cfg"],
                    "ports": [{"name": "http", "containerPort": front.port, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
                    "securityContext": container_security_context(),
                    "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
                    # HAProxy is alive while it accepts connections, whatever the hosts behind it do.
                    "livenessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 20, "failureThreshold": 3},
                    # Serve on until no node routes here: the registry's connections move, none is cut.
                    "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                    "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
                }
            ],
            "volumes": [{"name": "config", "configMap": {"name": name}}],
        },
    }
    deployment = k8s_object(
        "apps/v1",
        "Deployment",
        name,
        labels=object_labels,
        spec={
            "replicas": front.replicas,
            "revisionHistoryLimit": 5,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "selector": {"matchLabels": dict(labels)},
            "template": pod,
        },
    )
    return [service, configmap, deployment]


def _address(host: str) -> str:
    return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host


def _endpoints_front(plan: Plan, front: Radosgw) -> list[dict[str, Any]]:
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
