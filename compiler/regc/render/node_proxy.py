"""The per-node proxy: every node reaches the registry at localhost:<hostPort> (TLS passes through)."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.names import HTTP_PORT, service_host
from regc.plan.plan import Plan
from regc.render import haproxy
from regc.render.haproxy import CONFIG_DIR, preamble
from regc.render.security import container_security_context, pod_security_context


def haproxy_config(plan: Plan) -> str:
    spec = plan.spec
    upstream = f"{service_host(spec)}.{spec.cluster_domain}:{spec.service.port}"
    return "\n".join(
        [
            *preamble("5s"),
            "resolvers cluster",
            "  parse-resolv-conf",
            "frontend registry",
            f"  bind :{HTTP_PORT}",
            "  default_backend registry",
            "backend registry",
            f"  server registry {upstream} resolvers cluster init-addr last,libc,none",
            "",
        ]
    )


def node_proxy_objects(plan: Plan) -> list[dict[str, Any]]:
    settings = plan.spec.node_proxy
    if not settings.enabled:
        return []
    config = haproxy_config(plan)
    names = plan.names
    labels = names.node_proxy_labels
    object_labels = {**names.base_labels, **labels}
    configmap = haproxy.configmap(names.node_proxy, object_labels, config)
    pod = {
        "metadata": haproxy.pod_metadata(labels, config),
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": pod_security_context(),
            "priorityClassName": "system-node-critical",  # nodes pull through it
            **plan.pod_images(),
            "containers": [
                {
                    "name": "proxy",
                    "image": settings.image,
                    "imagePullPolicy": plan.spec.image_pull_policy,
                    "args": ["-f", f"{CONFIG_DIR}/haproxy.cfg"],
                    "ports": [
                        {
                            "name": "registry",
                            "containerPort": HTTP_PORT,
                            "hostPort": settings.host_port,
                            "protocol": "TCP",
                        }
                    ],
                    "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
                    "securityContext": container_security_context(),
                    "readinessProbe": {"tcpSocket": {"port": "registry"}, "periodSeconds": 10},
                    # HAProxy is alive while it accepts connections, whatever the registry behind it does.
                    "livenessProbe": {"tcpSocket": {"port": "registry"}, "periodSeconds": 20, "failureThreshold": 3},
                    "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
                }
            ],
            "tolerations": [{"operator": "Exists"}],  # every node pulls, tainted ones too
            "volumes": [{"name": "config", "configMap": {"name": names.node_proxy}}],
        },
    }
    daemonset = k8s_object(
        "apps/v1",
        "DaemonSet",
        names.node_proxy,
        labels=object_labels,
        spec={
            "selector": {"matchLabels": dict(labels)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": pod,
        },
    )
    return [configmap, daemonset]
