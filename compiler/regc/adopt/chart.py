"""The community chart (`stable/docker-registry` 1.0.0 to 1.9.6, continued as twuni `docker-registry`
1.9.7 to 3.0.0) rendered from a values file, in Python: what its templates make of the values that
decide how the registry runs and how it is reached (the ConfigMap's config.yml, the Secret, the
Deployment's image, command, variables and mounts, the Service, Ingress and volume claim). The
chart's defaults of each version come from its values.yaml (chart_defaults.json); the templates'
logic is held to `helm template` of the real chart by the tests."""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from regc import yamltext

Object = dict[str, Any]
CHART = "docker-registry"
RELEASE = "registry"
DEFAULTS_FILE = Path(__file__).with_name("chart_defaults.json")
RANDOM_SECRET = "(a random value the chart makes at each install)"


class ChartError(ValueError):
    """Values the chart itself refuses to render (a `required` value missing, a section it reads absent)."""


@cache
def _defaults() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFAULTS_FILE.read_text())["versions"]
    return loaded


def versions() -> list[str]:
    """The chart versions regc knows, oldest first."""
    return list(_defaults())


def defaults(version: str) -> dict[str, Any]:
    return copy.deepcopy(_defaults()[version]["values"])


def _at_least(version: str, wanted: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    return key(version) >= key(wanted)


def coalesced(user: dict[str, Any], version: str) -> dict[str, Any]:
    """The values a release of `version` renders with: the chart's defaults under the user's (maps
    merged key by key, a null removing the default), as Helm coalesces them."""

    def merge(base: Any, top: Any) -> Any:
        if isinstance(base, dict) and isinstance(top, dict):
            out = dict(base)
            for key, value in top.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = merge(base.get(key), value)
            return out
        return copy.deepcopy(top)

    result: dict[str, Any] = merge(defaults(version), user)
    return result


def _get(values: dict[str, Any], *path: str, default: Any = None) -> Any:
    node: Any = values
    for part in path:
        if not isinstance(node, dict) or node.get(part) is None:
            return default
        node = node[part]
    return node


def _truthy(value: Any) -> bool:
    """Go templates' `if`: false, 0, nil and empty things are false."""
    return value not in (None, False, 0, "", [], {})


def fullname(values: dict[str, Any], version: str) -> str:
    """The chart's `docker-registry.fullname` (fullnameOverride and the release-name check from 1.5.2)."""
    name = str(values.get("nameOverride") or CHART)
    if not _at_least(version, "1.5.2"):
        return f"{RELEASE}-{name}"[:63].rstrip("-")
    if values.get("fullnameOverride"):
        return str(values["fullnameOverride"])[:63].rstrip("-")
    full = RELEASE if name in RELEASE else f"{RELEASE}-{name}"
    return full[:63].rstrip("-")


def chart_objects(values: dict[str, Any], version: str, namespace: str) -> list[Object]:
    """The objects the chart renders from coalesced `values` (the ones the registry's behaviour and
    reach depend on)."""
    _refusals(values, version)
    name = fullname(values, version)
    where = str(values.get("namespace") or namespace) if _at_least(version, "1.15.0") else namespace
    labels = {"app": str(values.get("nameOverride") or CHART), "release": RELEASE}
    meta = {"namespace": where}
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-config", **meta},
            "data": {"config.yml": yamltext.dump(values.get("configData") or {})},
        },
        _secret(values, version, name, meta),
        _deployment(values, version, name, meta, labels),
        _service(values, version, name, meta, labels),
    ]
    if _truthy(_get(values, "ingress", "enabled")):
        objects.append(_ingress(values, version, name, meta))
    persistence = values.get("persistence") or {}
    if _truthy(persistence.get("enabled")) and not _truthy(persistence.get("existingClaim")):
        claim: Object = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, **meta},
            "spec": {
                "accessModes": [str(persistence.get("accessMode"))],
                "resources": {"requests": {"storage": str(persistence.get("size"))}},
            },
        }
        if _truthy(persistence.get("storageClass")):
            claim["spec"]["storageClassName"] = (
                "" if persistence["storageClass"] == "-" else str(persistence["storageClass"])
            )
        objects.append(claim)
    return objects


def _refusals(values: dict[str, Any], version: str) -> None:
    """What stops `helm template` itself: a `required` value missing, a section read that is absent."""
    storage = values.get("storage")
    if storage == "s3":
        if not isinstance(_get(values, "secrets", "s3"), dict):
            raise ChartError("the chart reads secrets.s3 for S3 storage (nil pointer evaluating .Values.secrets.s3)")
        for key in ("region", "bucket"):
            if not _truthy(_get(values, "s3", key)):
                raise ChartError(f".Values.s3.{key} is required")
    if storage == "azure" and _at_least(version, "1.6.0") and not isinstance(_get(values, "secrets", "azure"), dict):
        raise ChartError("the chart reads secrets.azure for Azure storage (nil pointer at .Values.secrets.azure)")
    if storage == "swift" and _at_least(version, "1.4.0") and not isinstance(_get(values, "secrets", "swift"), dict):
        raise ChartError("the chart reads secrets.swift for Swift storage (nil pointer at .Values.secrets.swift)")
    if storage == "swift" and _at_least(version, "1.4.0"):
        for key in ("authurl", "container"):
            if not _truthy(_get(values, "swift", key)):
                raise ChartError(f".Values.swift.{key} is required")
    if (
        _at_least(version, "1.11.0")
        and _truthy(_get(values, "proxy", "enabled"))
        and not _truthy(_get(values, "proxy", "remoteurl"))
    ):
        raise ChartError(".Values.proxy.remoteurl is required")
    for key in ("extraVolumes", "extraVolumeMounts", "extraEnvVars", "imagePullSecrets"):
        entries = values.get(key) or []
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise ChartError(f"{key}: each entry is a mapping with a name, as Kubernetes reads it")
    ingress = values.get("ingress") or {}
    if not isinstance(ingress, dict) or not all(isinstance(h, str) for h in ingress.get("hosts") or []):
        raise ChartError("ingress.hosts: a list of host names, as the chart reads it")
    if not all(isinstance(t, dict) for t in ingress.get("tls") or []):
        raise ChartError("ingress.tls: a list of {secretName, hosts}, as Kubernetes reads it")
    if not _at_least(version, "1.4.2") and _truthy(ingress.get("enabled")) and ingress.get("hosts"):
        raise ChartError("the chart's Ingress cannot render its hosts before 1.4.2 (.Values inside its range)")


def _b64(value: Any) -> str:
    return base64.b64encode(str(value).encode()).decode()


def _secret(values: dict[str, Any], version: str, name: str, meta: dict[str, Any]) -> Object:
    secrets = values.get("secrets") or {}
    data: dict[str, str] = {}
    if _at_least(version, "1.0.2") and _truthy(secrets.get("htpasswd")):
        data["htpasswd"] = _b64(secrets["htpasswd"])
    data["haSharedSecret"] = _b64(secrets.get("haSharedSecret") or RANDOM_SECRET)
    storage = values.get("storage")
    for driver, keys in (
        (
            "azure",
            (("accountName", "azureAccountName"), ("accountKey", "azureAccountKey"), ("container", "azureContainer")),
        ),
        ("s3", (("accessKey", "s3AccessKey"), ("secretKey", "s3SecretKey"))),
        ("swift", (("username", "swiftUsername"), ("password", "swiftPassword"))),
    ):
        given = secrets.get(driver) or {}
        if storage == driver and all(_truthy(given.get(k)) for k, _ in keys):
            data.update({target: _b64(given[k]) for k, target in keys})
    proxy = values.get("proxy") or {}
    if "proxy" in values and _at_least(version, "1.11.0"):  # the chart's proxy section came with 1.11.0
        data["proxyUsername"] = _b64(proxy.get("username") or "")
        data["proxyPassword"] = _b64(proxy.get("password") or "")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": f"{name}-secret", **meta},
        "data": data,
    }


def _ref(name: str, key: str) -> dict[str, Any]:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def _environment(values: dict[str, Any], version: str, name: str) -> list[dict[str, Any]]:
    """The chart's `docker-registry.envs` (the Deployment's env before 2.2.2)."""
    secret = f"{name}-secret"
    env: list[dict[str, Any]] = []
    if _at_least(version, "1.0.2") and _truthy(_get(values, "secrets", "htpasswd")):
        env += [
            {"name": "REGISTRY_AUTH", "value": "htpasswd"},
            {"name": "REGISTRY_AUTH_HTPASSWD_REALM", "value": "Registry Realm"},
            {"name": "REGISTRY_AUTH_HTPASSWD_PATH", "value": "/auth/htpasswd"},
        ]
    env.append({"name": "REGISTRY_HTTP_SECRET", **_ref(secret, "haSharedSecret")})
    if _truthy(values.get("tlsSecretName")):
        env += [
            {"name": "REGISTRY_HTTP_TLS_CERTIFICATE", "value": "/etc/ssl/docker/tls.crt"},
            {"name": "REGISTRY_HTTP_TLS_KEY", "value": "/etc/ssl/docker/tls.key"},
        ]
    storage = values.get("storage")
    if storage == "filesystem":
        env.append({"name": "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "value": "/var/lib/registry"})
    elif storage == "azure" and _at_least(version, "1.6.0"):
        env += [
            {"name": f"REGISTRY_STORAGE_AZURE_{part.upper()}", **_ref(secret, f"azure{part}")}
            for part in ("AccountName", "AccountKey", "Container")
        ]
    elif storage == "s3":
        env += _s3(values, version, secret)
    elif storage == "swift" and _at_least(version, "1.4.0"):
        env += [
            {"name": "REGISTRY_STORAGE_SWIFT_AUTHURL", "value": _text(_get(values, "swift", "authurl"))},
            {"name": "REGISTRY_STORAGE_SWIFT_USERNAME", **_ref(secret, "swiftUsername")},
            {"name": "REGISTRY_STORAGE_SWIFT_PASSWORD", **_ref(secret, "swiftPassword")},
            {"name": "REGISTRY_STORAGE_SWIFT_CONTAINER", "value": _text(_get(values, "swift", "container"))},
        ]
    proxy = values.get("proxy") or {}
    if _at_least(version, "1.11.0") and _truthy(proxy.get("enabled")):
        source = str(proxy["secretRef"]) if _at_least(version, "1.12.0") and _truthy(proxy.get("secretRef")) else secret
        env += [
            {"name": "REGISTRY_PROXY_REMOTEURL", "value": _text(proxy.get("remoteurl"))},
            {"name": "REGISTRY_PROXY_USERNAME", **_ref(source, "proxyUsername")},
            {"name": "REGISTRY_PROXY_PASSWORD", **_ref(source, "proxyPassword")},
        ]
    if _at_least(version, "1.7.0") and _truthy(_get(values, "persistence", "deleteEnabled")):
        env.append({"name": "REGISTRY_STORAGE_DELETE_ENABLED", "value": "true"})
    if _at_least(version, "1.14.0"):
        env += [copy.deepcopy(v) for v in values.get("extraEnvVars") or []]
    return env


def _text(value: Any) -> str:
    """A value as a template prints it into YAML (then read back as text by the kubelet)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _s3(values: dict[str, Any], version: str, secret: str) -> list[dict[str, Any]]:
    s3 = values.get("s3") or {}
    keys = _get(values, "secrets", "s3", default={}) or {}
    env = [
        {"name": "REGISTRY_STORAGE_S3_REGION", "value": _text(s3.get("region"))},
        {"name": "REGISTRY_STORAGE_S3_BUCKET", "value": _text(s3.get("bucket"))},
    ]
    referenced = _at_least(version, "1.12.0") and _truthy(keys.get("secretRef"))
    given = _truthy(keys.get("secretKey")) and _truthy(keys.get("accessKey"))
    if given or referenced or not _at_least(version, "1.4.4"):
        source = str(keys["secretRef"]) if referenced else secret
        env += [
            {"name": "REGISTRY_STORAGE_S3_ACCESSKEY", **_ref(source, "s3AccessKey")},
            {"name": "REGISTRY_STORAGE_S3_SECRETKEY", **_ref(source, "s3SecretKey")},
        ]
    optional = [
        key
        for key, since in (("regionEndpoint", "1.6.4"), ("encrypt", "1.0.4"), ("secure", "1.0.4"))
        if _at_least(version, since)
    ]
    if _at_least(version, "1.14.0"):
        optional.append("rootdirectory")
    if _at_least(version, "3.0.0"):
        optional += ["forcepathstyle", "skipverify"]
    for key in optional:
        if _truthy(s3.get(key)):
            env.append({"name": f"REGISTRY_STORAGE_S3_{key.upper()}", "value": _text(s3[key])})
    return env


def _deployment(
    values: dict[str, Any], version: str, name: str, meta: dict[str, Any], labels: dict[str, str]
) -> Object:
    config_dir = (
        str(values.get("configPath") or "/etc/docker/registry")
        if _at_least(version, "3.0.0")
        else "/etc/docker/registry"
    )
    image = values.get("image") or {}
    mounts: list[dict[str, Any]] = [{"name": f"{name}-config", "mountPath": config_dir}]
    volumes: list[dict[str, Any]] = [{"name": f"{name}-config", "configMap": {"name": f"{name}-config"}}]
    if _at_least(version, "1.0.2") and _truthy(_get(values, "secrets", "htpasswd")):
        mounts.append({"name": "auth", "mountPath": "/auth", "readOnly": True})
        volumes.append(
            {
                "name": "auth",
                "secret": {"secretName": f"{name}-secret", "items": [{"key": "htpasswd", "path": "htpasswd"}]},
            }
        )
    persistence = values.get("persistence") or {}
    if values.get("storage") == "filesystem":
        mounts.append({"name": "data", "mountPath": "/var/lib/registry/"})
        if _truthy(persistence.get("enabled")):
            claim = persistence.get("existingClaim") if _truthy(persistence.get("existingClaim")) else name
            volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": str(claim)}})
        else:
            volumes.append({"name": "data", "emptyDir": {}})
    if _truthy(values.get("tlsSecretName")):
        mounts.append({"name": "tls-cert", "mountPath": "/etc/ssl/docker", "readOnly": True})
        volumes.append({"name": "tls-cert", "secret": {"secretName": str(values["tlsSecretName"])}})
    mounts += [copy.deepcopy(m) for m in values.get("extraVolumeMounts") or []]
    volumes += [copy.deepcopy(v) for v in values.get("extraVolumes") or []]
    container = {
        "name": CHART,
        "image": f"{_text(image.get('repository'))}:{_text(image.get('tag'))}",
        "command": ["/bin/registry", "serve", f"{config_dir}/config.yml"],
        "env": _environment(values, version, name),
        "volumeMounts": mounts,
    }
    pod: dict[str, Any] = {"containers": [container], "volumes": volumes}
    if _truthy(values.get("imagePullSecrets")):
        pod["imagePullSecrets"] = copy.deepcopy(values["imagePullSecrets"])
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, **meta},
        "spec": {
            "replicas": values.get("replicaCount"),
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def _service(values: dict[str, Any], version: str, name: str, meta: dict[str, Any], labels: dict[str, str]) -> Object:
    service = values.get("service") or {}
    port: dict[str, Any] = {"port": service.get("port"), "protocol": "TCP", "targetPort": 5000}
    if _at_least(version, "1.11.0"):
        port["name"] = f"{'https' if _truthy(values.get('tlsSecretName')) else 'http'}-{_text(service.get('port'))}"
    elif service.get("name") is not None:
        port["name"] = _text(service.get("name"))
    kind = service.get("type")
    if kind == "NodePort" and _truthy(service.get("nodePort")):
        port["nodePort"] = service["nodePort"]
    ports = [port]
    if _at_least(version, "1.15.0") and _truthy(_get(values, "metrics", "enabled")):
        ports.append({"port": _get(values, "metrics", "port"), "protocol": "TCP", "name": "http-metrics"})
    body: dict[str, Any] = {"type": kind, "ports": ports, "selector": labels}
    if kind == "ClusterIP" and _truthy(service.get("clusterIP")):
        body["clusterIP"] = service["clusterIP"]
    obj: Object = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, **meta}, "spec": body}
    if _truthy(service.get("annotations")):
        obj["metadata"]["annotations"] = copy.deepcopy(service["annotations"])
    return obj


def renders_class_name(version: str) -> bool:
    """The chart's Ingress names its class (ingressClassName) from 2.0.0; before, only an annotation can."""
    return _at_least(version, "2.0.0")


def _ingress(values: dict[str, Any], version: str, name: str, meta: dict[str, Any]) -> Object:
    ingress = values.get("ingress") or {}
    port = _get(values, "service", "port")
    rules = [
        {
            "host": str(host),
            "http": {
                "paths": [
                    {
                        "path": ingress.get("path"),
                        "pathType": "Prefix",
                        "backend": {"service": {"name": name, "port": {"number": port}}},
                    }
                ]
            },
        }
        for host in ingress.get("hosts") or []
    ]
    body: dict[str, Any] = {"rules": rules}
    if renders_class_name(version):
        body["ingressClassName"] = ingress.get("className") if _truthy(ingress.get("className")) else None
    if _truthy(ingress.get("tls")):
        body["tls"] = copy.deepcopy(ingress["tls"])
    annotations = {str(k): _text(v) for k, v in (ingress.get("annotations") or {}).items()}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, **meta, "annotations": annotations},
        "spec": body,
    }
