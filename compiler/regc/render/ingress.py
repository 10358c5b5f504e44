"""An Ingress for clients outside the cluster, with what large layer pushes need on ingress-nginx."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan

# Without these, ingress-nginx answers 413 to a layer over 1 MiB, buffers whole layers on disk
# and cuts uploads slower than a minute.
NGINX_PUSH_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/proxy-body-size": "0",
    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "900",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "900",
}


def ingress(plan: Plan) -> dict[str, Any] | None:
    spec = plan.spec
    settings = spec.ingress
    if settings is None:
        return None
    annotations: dict[str, Any] = {}
    if settings.class_name == "nginx":
        annotations.update(NGINX_PUSH_ANNOTATIONS)
        if spec.tls.enabled:
            annotations["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS"
    annotations.update(settings.annotations)
    body: dict[str, Any] = {"ingressClassName": settings.class_name}
    names = plan.names
    secret = settings.tls_secret_name or (plan.tls_secret if spec.tls.enabled else None)
    hosts = [settings.host, *(h for h in settings.hosts if h != settings.host)]
    if secret:
        body["tls"] = [{"hosts": hosts, "secretName": secret}]
    backend = {"service": {"name": names.service, "port": {"name": "http"}}}
    body["rules"] = [
        {"host": host, "http": {"paths": [{"path": settings.path, "pathType": "Prefix", "backend": backend}]}}
        for host in hosts
    ]
    obj = k8s_object("networking.k8s.io/v1", "Ingress", names.service, labels=names.base_labels, spec=body)
    obj["metadata"]["annotations"] = dict(sorted(annotations.items()))
    return obj
