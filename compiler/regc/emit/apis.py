"""The API versions regc may emit; removed ones are refused by name."""

from __future__ import annotations

from typing import Any

from regc.errors import RegcError
from regc.kube import is_dns_label, is_dns_subdomain

SERVED = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "ServiceAccount"),
    ("v1", "Endpoints"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("cert-manager.io/v1", "Certificate"),
}

REMOVED = {
    "extensions/v1beta1": "1.16/1.22",
    "apps/v1beta1": "1.16",
    "apps/v1beta2": "1.16",
    "networking.k8s.io/v1beta1": "1.22",
    "batch/v1beta1": "1.25",
    "policy/v1beta1": "1.25",
    "autoscaling/v2beta1": "1.25",
    "autoscaling/v2beta2": "1.26",
    "discovery.k8s.io/v1beta1": "1.25",
}

LABEL_NAMED = {"Service", "Namespace"}  # kinds whose names must be DNS labels (RFC 1123)


def check_emittable(obj: dict[str, Any]) -> None:
    """Refuse an object Kubernetes would reject for its API version or its name."""
    api, kind, name = obj["apiVersion"], obj["kind"], obj["metadata"]["name"]
    if api in REMOVED:
        raise RegcError(f"refusing to emit {kind} {name!r} as {api}: that API was removed in Kubernetes {REMOVED[api]}")
    if (api, kind) not in SERVED:
        raise RegcError(f"refusing to emit {kind} {name!r} as {api}: not an API version regc knows to be served")
    if not (is_dns_label(name) if kind in LABEL_NAMED else is_dns_subdomain(name)):
        raise RegcError(f"refusing to emit {kind} {name!r}: Kubernetes would reject the name")
