"""The registry Deployment: hardened pod, probes, resources, and a config checksum that rolls pods."""

from __future__ import annotations

import hashlib

from regc.plan.names import (AUTH_DIR, BASE_LABELS, CERTS_DIR, CONFIG_MAP, CONTAINER, DATA_CLAIM, DATA_DIR,
                             DEPLOYMENT, HTPASSWD_SECRET, HTTP_PORT, HTTP_SECRET, SELECTOR_LABELS, STORAGE_SECRET,
                             TLS_SECRET)
from regc.plan.plan import Plan
from regc.render.configmap import config_text
from regc.render.meta import k8s_object
from regc.render.security import container_security_context, pod_security_context

CONFIG_CHECKSUM = "regc/config-sha256"
SECRETS_CHECKSUM = "regc/secrets-sha256"
SECRET_FILE_MODE = 0o440


def deployment(plan: Plan, secrets_checksum: str | None = None) -> dict:
    """The Deployment; `secrets_checksum` digests the committed ciphertext of the mounted Secrets."""
    spec = plan.spec
    checksum = hashlib.sha256(config_text(plan).encode()).hexdigest()
    annotations = {CONFIG_CHECKSUM: checksum}
    if secrets_checksum:
        annotations[SECRETS_CHECKSUM] = secrets_checksum
    shared_volume = spec.storage.driver != "filesystem" or spec.storage.access_mode == "ReadWriteMany"
    # A ReadWriteOnce volume cannot attach to a second pod while the old one runs.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}} \
        if shared_volume else {"type": "Recreate"}
    pod = {
        "metadata": {"labels": dict(BASE_LABELS), "annotations": annotations},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security_context(),
            "containers": [_container(plan)],
            "volumes": _volumes(plan),
        },
    }
    return k8s_object("apps/v1", "Deployment", DEPLOYMENT, spec={
        "replicas": spec.registry.replicas,
        "revisionHistoryLimit": 5,
        "strategy": strategy,
        "selector": {"matchLabels": dict(SELECTOR_LABELS)},
        "template": pod,
    })


def _container(plan: Plan) -> dict:
    registry = plan.spec.registry
    # With htpasswd on, /v2/ answers 401 to the kubelet; / answers 200 without credentials.
    path = "/" if plan.spec.auth.htpasswd is not None else "/v2/"
    scheme = "HTTPS" if plan.spec.tls.enabled else "HTTP"
    probe = {"httpGet": {"path": path, "port": "http", "scheme": scheme}}
    return {
        "name": CONTAINER,
        "image": registry.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}],
        "env": _environment(plan),
        "resources": _resources(registry.resources),
        "securityContext": container_security_context(),
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        "livenessProbe": {**probe, "periodSeconds": 20, "failureThreshold": 3},
        "volumeMounts": _mounts(plan),
    }


STORAGE_VARIABLES = {
    "swift": [("REGISTRY_STORAGE_SWIFT_PASSWORD", "swift-password")],
    "s3": [("REGISTRY_STORAGE_S3_ACCESSKEY", "s3-access-key"), ("REGISTRY_STORAGE_S3_SECRETKEY", "s3-secret-key")],
}


def _environment(plan: Plan) -> list[dict]:
    """Credentials reach the registry as variables from encrypted Secrets, never through config.yml."""
    variables = [("REGISTRY_HTTP_SECRET", HTTP_SECRET, "http-secret")]
    variables += [(name, STORAGE_SECRET, key) for name, key in STORAGE_VARIABLES.get(plan.spec.storage.driver, [])]
    return [{"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
            for name, secret, key in variables]


def _resources(resources) -> dict:
    result = {}
    for kind in ("requests", "limits"):
        amounts = getattr(resources, kind)
        values = {name: value for name in ("cpu", "memory") if (value := getattr(amounts, name))}
        if values:
            result[kind] = values
    return result


def _mounts(plan: Plan) -> list[dict]:
    mounts = [{"name": "config", "mountPath": plan.config_dir, "readOnly": True}]
    if plan.spec.auth.htpasswd is not None:
        mounts.append({"name": "htpasswd", "mountPath": AUTH_DIR, "readOnly": True})
    if plan.spec.tls.enabled:
        mounts.append({"name": "tls", "mountPath": CERTS_DIR, "readOnly": True})
    if plan.spec.storage.driver == "filesystem":
        mounts.append({"name": "data", "mountPath": DATA_DIR})
    mounts.append({"name": "tmp", "mountPath": "/tmp"})
    return mounts


def _volumes(plan: Plan) -> list[dict]:
    volumes = [{"name": "config", "configMap": {"name": CONFIG_MAP}}]
    if plan.spec.auth.htpasswd is not None:
        volumes.append({"name": "htpasswd", "secret": {"secretName": HTPASSWD_SECRET,
                                                       "defaultMode": SECRET_FILE_MODE}})
    if plan.spec.tls.enabled:
        volumes.append({"name": "tls", "secret": {"secretName": TLS_SECRET, "defaultMode": SECRET_FILE_MODE}})
    if plan.spec.storage.driver == "filesystem":
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": DATA_CLAIM}})
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}})
    return volumes
