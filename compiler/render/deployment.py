"""The registry Deployment: hardened pod, probes, resources, and a config checksum that rolls pods."""

from __future__ import annotations

import hashlib

from regc.plan.names import (BASE_LABELS, CONFIG_MAP, CONTAINER, DATA_CLAIM, DATA_DIR, DEPLOYMENT,
                             HTTP_PORT, SELECTOR_LABELS)
from regc.plan.plan import Plan
from regc.render.configmap import config_text
from regc.render.meta import k8s_object

CONFIG_CHECKSUM = "regc/config-sha256"
RUN_AS = 1000  # the registry needs no root; any non-zero id that owns its data volume works


def deployment(plan: Plan) -> dict:
    spec = plan.spec
    checksum = hashlib.sha256(config_text(plan).encode()).hexdigest()
    shared_volume = spec.storage.driver != "filesystem" or spec.storage.access_mode == "ReadWriteMany"
    # A ReadWriteOnce volume cannot attach to a second pod while the old one runs.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}} \
        if shared_volume else {"type": "Recreate"}
    pod = {
        "metadata": {"labels": dict(BASE_LABELS), "annotations": {CONFIG_CHECKSUM: checksum}},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
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
    probe = {"httpGet": {"path": "/v2/", "port": "http", "scheme": "HTTP"}}
    return {
        "name": CONTAINER,
        "image": registry.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}],
        "resources": _resources(registry.resources),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        "livenessProbe": {**probe, "periodSeconds": 20, "failureThreshold": 3},
        "volumeMounts": _mounts(plan),
    }


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
    if plan.spec.storage.driver == "filesystem":
        mounts.append({"name": "data", "mountPath": DATA_DIR})
    mounts.append({"name": "tmp", "mountPath": "/tmp"})
    return mounts


def _volumes(plan: Plan) -> list[dict]:
    volumes = [{"name": "config", "configMap": {"name": CONFIG_MAP}}]
    if plan.spec.storage.driver == "filesystem":
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": DATA_CLAIM}})
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}})
    return volumes
