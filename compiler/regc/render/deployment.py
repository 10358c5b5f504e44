"""The registry Deployment: hardened pod, probes, resources, and a config checksum that rolls pods."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.envspec.model import Environment, NodeAffinity, NodeTerm, Resources

import hashlib
from typing import Any

from regc.kube import k8s_object
from regc.plan.credentials import (
    CREDENTIAL_VARIABLES,
    endpoints_variable,
    managed_variables,
    referenced_secrets,
    store_made_secrets,
)
from regc.plan.names import AUTH_DIR, CERTS_DIR, CONTAINER, DATA_DIR, HTTP_PORT, METRICS_PORT_NAME, Names
from regc.plan.plan import Plan, rolling_update, shared_storage
from regc.render.configmap import config_text
from regc.render.security import container_security_context, pod_security_context

RELOADER = "secret.reloader.stakater.com/reload"
CONFIG_CHECKSUM = "regc/config-sha256"
SECRETS_CHECKSUM = "regc/secrets-sha256"
SECRET_FILE_MODE = 0o440


def deployment(plan: Plan, secrets_checksum: str | None = None) -> dict[str, Any]:
    """The Deployment; `secrets_checksum` digests the values of the Secrets the pod reads."""
    spec, names = plan.spec, plan.names
    checksum = hashlib.sha256(config_text(plan).encode()).hexdigest()
    annotations = {CONFIG_CHECKSUM: checksum}
    if secrets_checksum:
        annotations[SECRETS_CHECKSUM] = secrets_checksum
    extras = spec.extras
    annotations.update(sorted(extras.pod_annotations.items()))
    max_unavailable, max_surge = rolling_update(spec)
    # A ReadWriteOnce volume cannot attach to a second pod while the old one runs.
    strategy = (
        {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": max_surge},
        }
        if shared_storage(spec)
        else {"type": "Recreate"}
    )
    pod_spec = {
        "serviceAccountName": plan.service_account,
        "automountServiceAccountToken": False,
        # Service links would hand the registry `REGISTRY_*` variables (from the Services named
        # registry*), and distribution reads every `REGISTRY_*` variable as its configuration.
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": spec.availability.termination_grace_period_seconds,
        **plan.pod_images(),
        "securityContext": pod_security_context(),
        **scheduling(spec),
        "containers": [_container(plan)],
        "volumes": _volumes(plan),
    }
    pod = {
        "metadata": {
            "labels": {**names.base_labels, **dict(sorted(extras.pod_labels.items()))},
            "annotations": annotations,
        },
        "spec": pod_spec,
    }
    body = {
        "replicas": spec.registry.replicas,
        "revisionHistoryLimit": 5,
        "strategy": strategy,
        "selector": {"matchLabels": dict(names.selector_labels)},
        "template": pod,
    }
    if spec.availability.autoscaling.enabled:
        del body["replicas"]  # the HorizontalPodAutoscaler owns it; a synced value would fight it
    obj = k8s_object("apps/v1", "Deployment", names.deployment, labels=names.base_labels, spec=body)
    referenced = sorted({*referenced_secrets(spec).values(), *store_made_secrets(spec)})
    if referenced:
        # Secrets regc does not write change behind its back (cert-manager renews, an operator
        # rotates or reads the store again), and the registry reads them at start: Stakater
        # Reloader, where it runs, restarts the pods when one changes. regc's own sealed Secrets
        # roll the pods by their digests.
        obj["metadata"]["annotations"] = {RELOADER: ",".join(referenced)}
    return obj


def scheduling(spec: Environment) -> dict[str, Any]:
    """Affinity, spread, priority, node selection and tolerations of the registry pods."""
    settings = spec.scheduling
    result: dict[str, Any] = {}
    nodes = _node_affinity(settings.node_affinity)
    if nodes:
        result["affinity"] = {"nodeAffinity": nodes}
    selector = Names(spec.instance).selector_labels
    term = {"labelSelector": {"matchLabels": dict(selector)}, "topologyKey": "kubernetes.io/hostname"}
    if settings.anti_affinity == "required":
        result.setdefault("affinity", {})["podAntiAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [term]
        }
    elif settings.anti_affinity == "preferred":
        result.setdefault("affinity", {}).update(
            {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]
                }
            }
        )
    if settings.topology_spread:
        result["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(selector)},
            }
        ]
    if settings.priority_class_name:
        result["priorityClassName"] = settings.priority_class_name
    if settings.node_selector:
        result["nodeSelector"] = dict(sorted(settings.node_selector.items()))
    if settings.tolerations:
        result["tolerations"] = [t.model_dump(exclude_none=True) for t in settings.tolerations]
    return result


def _node_affinity(affinity: NodeAffinity) -> dict[str, Any]:
    def term(node_term: NodeTerm) -> dict[str, Any]:
        return {"matchExpressions": [r.model_dump(exclude_defaults=True) for r in node_term.match_expressions]}

    result: dict[str, Any] = {}
    if affinity.required:
        result["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [term(t) for t in affinity.required]
        }
    if affinity.preferred:
        result["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": p.weight, "preference": term(p.preference)} for p in affinity.preferred
        ]
    return result


def probes(plan: Plan) -> dict[str, Any]:
    """The kubelet's three probes, judged by how the registry answers them.

    The registry wraps every path of its listener, `/` included, in its health handler: while the
    storage-driver check fails it answers 503 to everything (distribution `registry/registry.go`).
    So only readiness asks HTTP (a pod whose storage is down leaves the Service, which is right);
    liveness and startup ask only that the listener accepts connections, so a radosgw outage never
    restarts healthy pods (CrashLoopBackOff would outlive the outage), and storage that is slow to
    answer at start cannot kill a starting pod.
    """
    # With htpasswd on, /v2/ answers 401 to the kubelet; / answers 200 without credentials.
    path = "/" if plan.spec.auth.htpasswd is not None else "/v2/"
    ready = {"httpGet": {"path": path, "port": "http", "scheme": "HTTPS" if plan.spec.tls.enabled else "HTTP"}}
    listening = {"tcpSocket": {"port": "http"}}
    return {
        "startupProbe": {**listening, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {**ready, "periodSeconds": 10, "failureThreshold": 3},
        "livenessProbe": {**listening, "periodSeconds": 20, "failureThreshold": 3},
    }


def _container(plan: Plan) -> dict[str, Any]:
    registry = plan.spec.registry
    return {
        "name": CONTAINER,
        "image": registry.image,
        "imagePullPolicy": plan.spec.image_pull_policy,
        "ports": _ports(plan),
        "env": _environment(plan),
        "resources": _resources(registry.resources),
        "securityContext": container_security_context(),
        **probes(plan),
        **_lifecycle(plan),
        "volumeMounts": _mounts(plan),
    }


def _lifecycle(plan: Plan) -> dict[str, Any]:
    """A stopping pod serves on until the Service's endpoints no longer list it on any node."""
    seconds = plan.spec.availability.pre_stop_sleep_seconds
    return {"lifecycle": {"preStop": {"sleep": {"seconds": seconds}}}} if seconds else {}


def _ports(plan: Plan) -> list[dict[str, Any]]:
    ports = [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}]
    if plan.spec.metrics.enabled:
        ports.append({"name": METRICS_PORT_NAME, "containerPort": plan.spec.metrics.port, "protocol": "TCP"})
    return ports


def _environment(plan: Plan) -> list[dict[str, Any]]:
    """Credentials reach the registry as variables from encrypted Secrets, never through config.yml."""
    env = [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        for name, secret, key in managed_variables(plan.spec)
    ]
    endpoints = endpoints_variable(plan.spec)
    if endpoints is not None:
        env.append({"name": CREDENTIAL_VARIABLES["notification-endpoints"], "value": endpoints})
    for name, value in sorted(plan.spec.extras.env.items()):
        if isinstance(value, str):
            env.append({"name": name, "value": value})
        else:
            source = value.value_from.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
            env.append({"name": name, "valueFrom": source})
    return env


def _resources(resources: Resources) -> dict[str, Any]:
    result = {}
    for kind in ("requests", "limits"):
        amounts = getattr(resources, kind)
        values = {name: value for name in ("cpu", "memory") if (value := getattr(amounts, name))}
        if values:
            result[kind] = values
    return result


def _mounts(plan: Plan) -> list[dict[str, Any]]:
    mounts = [{"name": "config", "mountPath": plan.config_dir, "readOnly": True}]
    if plan.spec.auth.htpasswd is not None:
        mounts.append({"name": "htpasswd", "mountPath": AUTH_DIR, "readOnly": True})
    if plan.spec.tls.enabled:
        mounts.append({"name": "tls", "mountPath": CERTS_DIR, "readOnly": True})
    if plan.spec.storage.driver == "filesystem":
        mounts.append({"name": "data", "mountPath": DATA_DIR})
    mounts.append({"name": "tmp", "mountPath": "/tmp"})
    mounts += [{"name": v.name, "mountPath": v.mount_path, "readOnly": v.read_only} for v in plan.spec.extras.volumes]
    return mounts


def _volumes(plan: Plan) -> list[dict[str, Any]]:
    names = plan.names
    volumes = [{"name": "config", "configMap": {"name": names.config_map}}]
    htpasswd = plan.spec.auth.htpasswd
    if htpasswd is not None and htpasswd.secret_ref is not None:
        theirs = htpasswd.secret_ref
        items = [{"key": theirs.key, "path": "htpasswd"}]
        volumes.append(
            {"name": "htpasswd", "secret": {"secretName": theirs.name, "items": items, "defaultMode": SECRET_FILE_MODE}}
        )
    elif htpasswd is not None:
        volumes.append(
            {"name": "htpasswd", "secret": {"secretName": names.htpasswd_secret, "defaultMode": SECRET_FILE_MODE}}
        )
    if plan.spec.tls.enabled:
        volumes.append({"name": "tls", "secret": {"secretName": plan.tls_secret, "defaultMode": SECRET_FILE_MODE}})
    if plan.spec.storage.driver == "filesystem":
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": plan.names.data_claim}})
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}})
    for extra in plan.spec.extras.volumes:
        if extra.config_map:
            volumes.append({"name": extra.name, "configMap": {"name": extra.config_map}})
        elif extra.secret:
            volumes.append(
                {"name": extra.name, "secret": {"secretName": extra.secret, "defaultMode": SECRET_FILE_MODE}}
            )
        else:
            volumes.append({"name": extra.name, "emptyDir": {}})
    return volumes
