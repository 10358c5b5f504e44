"""The Kubernetes objects of a registry a team runs (hand-written, or `kubectl get -o yaml`) as a regc
spec and secrets: the registry workload and its config.yml, the htpasswd, TLS and storage Secrets,
the radosgw front's Service and Endpoints, pull secrets, the Ingress and the volume claim. The old
values are kept (passwords by hash, the TLS key and certificate as they are), the mistakes found are
named, and every object or setting that has no place in the spec is reported."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from regc.adopt.helm import Imported
from regc.adopt.values import Taken, Unmapped, dotted

Object = dict[str, Any]
REGISTRY_IMAGE = re.compile(r"(^|/)(registry|distribution)([:@]|$)")
WORKLOADS = ("Deployment", "StatefulSet", "ReplicationController", "DaemonSet")
# API versions Kubernetes no longer serves, and what replaced them.
REMOVED_APIS = {
    ("apps/v1beta1", "Deployment"): "1.16",
    ("apps/v1beta2", "Deployment"): "1.16",
    ("extensions/v1beta1", "Deployment"): "1.16",
    ("extensions/v1beta1", "Ingress"): "1.22",
    ("networking.k8s.io/v1beta1", "Ingress"): "1.22",
}
CONFIG_DIRS = ("/etc/docker/registry", "/etc/distribution")
# Registry variables that carry credentials: variable -> where it goes in the secrets file.
CREDENTIAL_VARIABLES = {
    "REGISTRY_STORAGE_SWIFT_PASSWORD": ("swift", "password"),
    "REGISTRY_STORAGE_S3_ACCESSKEY": ("s3", "accessKey"),
    "REGISTRY_STORAGE_S3_SECRETKEY": ("s3", "secretKey"),
    "REGISTRY_HTTP_SECRET": ("httpSecret",),
    "REGISTRY_PROXY_USERNAME": ("proxy", "username"),
    "REGISTRY_PROXY_PASSWORD": ("proxy", "password"),
}


def read_objects(documents: list[Any]) -> list[Object]:
    """The objects of YAML documents (a `List` of `kubectl get -o yaml` opened), empty ones dropped."""
    found: list[Object] = []
    for document in documents:
        if not isinstance(document, dict):
            continue
        kind = document.get("kind")
        items = document.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            found += [item for item in items if isinstance(item, dict) and isinstance(item.get("kind"), str)]
        elif isinstance(kind, str) and kind:
            found.append(document)
    return found


class _Objects:
    def __init__(self, objects: list[Object]) -> None:
        self.objects = objects
        self.used: set[int] = set()

    def find(self, kind: str, name: str | None) -> Object | None:
        for index, obj in enumerate(self.objects):
            if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
                self.used.add(index)
                return obj
        return None

    def of_kind(self, *kinds: str) -> list[tuple[int, Object]]:
        return [(i, o) for i, o in enumerate(self.objects) if o.get("kind") in kinds]


def from_manifests(objects: list[Object], namespace: str | None) -> Imported:
    try:
        return _from_manifests(objects, namespace)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError):
        # The objects are not as Kubernetes reads them (a list where a mapping goes, a Secret value
        # that is not base64...): nothing is guessed, nothing written.
        reason = "the objects are not in the shape Kubernetes reads (check them with `kubectl apply --dry-run=client`)"
        return Imported({}, {}, [Unmapped("(objects)", reason)], [], complete=False)


def _from_manifests(objects: list[Object], namespace: str | None) -> Imported:
    pool = _Objects(objects)
    unmapped: list[Unmapped] = []
    notes: list[str] = []
    workloads = [
        (i, o)
        for i, o in pool.of_kind(*WORKLOADS)
        if any(REGISTRY_IMAGE.search(c.get("image", "")) for c in _pod(o).get("containers", []))
    ]
    if not workloads:
        unmapped.append(Unmapped("(objects)", "no Deployment runs a registry image (registry or distribution)"))
        return Imported({}, {}, unmapped, notes, complete=False)
    index, workload = workloads[0]
    pool.used.add(index)
    for other_index, other in workloads[1:]:
        pool.used.add(other_index)
        unmapped.append(Unmapped(_identity(other), "a second registry: import it under its own --name"))
    meta = workload.get("metadata", {})
    namespace = namespace or meta.get("namespace") or "registry"
    spec: dict[str, Any] = {"apiVersion": "regc/v1", "kind": "Environment", "namespace": namespace}
    secrets: dict[str, Any] = {}
    for obj in objects:
        removed = REMOVED_APIS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if removed:
            notes.append(
                f"{_identity(obj)}: apiVersion {obj['apiVersion']} was removed in Kubernetes {removed}; "
                "regc writes the current one"
            )
    if workload["kind"] != "Deployment":
        notes.append(f"{_identity(workload)}: a {workload['kind']}; regc runs the registry as a Deployment")
    pod = _pod(workload)
    container = next(c for c in pod.get("containers", []) if REGISTRY_IMAGE.search(c.get("image", "")))
    registry: dict[str, Any] = {"image": container["image"]}
    replicas = workload.get("spec", {}).get("replicas", 1)
    if replicas != 1:
        registry["replicas"] = replicas
    resources = {
        kind: {k: str(v) for k, v in (container.get("resources", {}).get(kind) or {}).items() if k in ("cpu", "memory")}
        for kind in ("requests", "limits")
    }
    if any(resources.values()):
        registry["resources"] = {k: v for k, v in resources.items() if v}
    spec["registry"] = registry
    if container.get("imagePullPolicy") not in (None, "IfNotPresent"):
        spec["imagePullPolicy"] = container["imagePullPolicy"]
    if pod.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [s["name"] for s in pod["imagePullSecrets"]]

    mounts = {m["mountPath"].rstrip("/"): m for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    taken_mounts: set[str] = set()
    config, config_source = _config(pool, container, mounts, volumes, taken_mounts)
    _environment(pool, container, config, secrets, unmapped, notes, workload)
    taken = Taken(config)
    _map_config(taken, spec, secrets, pool, mounts, volumes, taken_mounts, notes, unmapped)
    for path in taken.left():
        instead = "extras.config"
        unmapped.append(
            Unmapped(f"{config_source}: {dotted(path)}", "a config.yml key regc does not derive from the spec", instead)
        )
    for name, mount in mounts.items():
        if name not in taken_mounts:
            unmapped.append(
                Unmapped(
                    f"{_identity(workload)}: volumeMounts[{mount['name']}]",
                    f"a volume at {name} regc does not know",
                    "extras.volumes",
                )
            )
    _pod_fields(workload, pod, container, spec, unmapped, notes)
    _radosgw(pool, spec, notes)
    _pull_secrets(pool, spec, secrets, unmapped)
    _service_and_ingress(pool, workload, spec)
    for position, obj in enumerate(objects):
        if position not in pool.used:
            unmapped.append(Unmapped(_identity(obj), "not part of the registry regc runs"))
    return Imported(spec, secrets, unmapped, notes, complete="storage" in spec)


# Fields of the pod and the registry container: mapped, regc's own (a note), or the API server's
# defaults (nothing of the team's); any other is reported.
POD_MAPPED = (
    "containers",
    "volumes",
    "imagePullSecrets",
    "nodeSelector",
    "tolerations",
    "affinity",
    "priorityClassName",
)
POD_DEFAULTS = (
    "dnsPolicy",
    "restartPolicy",
    "schedulerName",
    "securityContext",
    "terminationGracePeriodSeconds",
    "serviceAccount",
    "serviceAccountName",
)
CONTAINER_MAPPED = ("name", "image", "imagePullPolicy", "resources", "env", "volumeMounts", "ports")
CONTAINER_OWN = ("livenessProbe", "readinessProbe", "startupProbe", "securityContext")
CONTAINER_DEFAULTS = ("terminationMessagePath", "terminationMessagePolicy")


def _pod_fields(
    workload: Object, pod: Object, container: Object, spec: dict[str, Any], unmapped: list[Unmapped], notes: list[str]
) -> None:
    where = _identity(workload)
    scheduling: dict[str, Any] = {}
    if pod.get("nodeSelector"):
        scheduling["nodeSelector"] = pod["nodeSelector"]
    if pod.get("tolerations"):
        scheduling["tolerations"] = [
            {k: v for k, v in t.items() if k in ("key", "operator", "value", "effect")} for t in pod["tolerations"]
        ]
    if pod.get("priorityClassName"):
        scheduling["priorityClassName"] = pod["priorityClassName"]
    affinity = pod.get("affinity") or {}
    for kind in affinity:
        if kind != "nodeAffinity":
            unmapped.append(
                Unmapped(
                    f"{where}: affinity.{kind}", "regc spreads the registry pods by presets", "scheduling.antiAffinity"
                )
            )
    required = ((affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get(
        "nodeSelectorTerms"
    )
    if required:
        scheduling["nodeAffinity"] = {
            "required": [{"matchExpressions": t.get("matchExpressions", [])} for t in required]
        }
    if scheduling:
        spec["scheduling"] = scheduling
    grace = pod.get("terminationGracePeriodSeconds")
    if grace not in (None, 30):
        spec.setdefault("availability", {})["terminationGracePeriodSeconds"] = grace
    if pod.get("serviceAccountName") not in (None, "default"):
        spec["serviceAccount"] = {"name": pod["serviceAccountName"]}
    for key in pod:
        if key not in POD_MAPPED + POD_DEFAULTS:
            unmapped.append(Unmapped(f"{where}: spec.template.spec.{key}", "regc's pod has no such setting"))
    for other in pod.get("containers", []):
        if other is not container:
            unmapped.append(
                Unmapped(
                    f"{where}: containers[{other.get('name')}]", "a second container; regc's pod runs the registry only"
                )
            )
    for key in container:
        if key in CONTAINER_OWN:
            notes.append(f"{where}: {key} of the registry container: regc writes its own")
        elif key not in CONTAINER_MAPPED + CONTAINER_DEFAULTS:
            unmapped.append(
                Unmapped(f"{where}: containers[{container.get('name')}].{key}", "regc runs the registry's own command")
            )


def _pod(workload: Object) -> Object:
    return workload.get("spec", {}).get("template", {}).get("spec", {}) or {}


def _identity(obj: Object) -> str:
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')}/{where}{meta.get('name')}"


def _secret_data(secret: Object, notes: list[str]) -> dict[str, str]:
    """A Secret's values in clear, in memory only; the guide's mistake (keys under `spec:`) read and named."""
    data = dict(secret.get("data") or {})
    if not data and isinstance(secret.get("spec"), dict):
        notes.append(
            f"{_identity(secret)}: its keys are under `spec:`, which a Secret does not have (Kubernetes ignores "
            "them): regc reads them, and writes the values to the secrets file"
        )
        data = dict(secret["spec"])
    values = {key: base64.b64decode(str(value)).decode("utf-8", "replace") for key, value in data.items()}
    values.update({str(k): str(v) for k, v in (secret.get("stringData") or {}).items()})
    for key, value in list(values.items()):
        if value.endswith("\n") and "\n" not in value[:-1]:
            notes.append(
                f"{_identity(secret)}: the value of {key} ends in a newline (`echo` without -n before base64): "
                "regc keeps it without"
            )
            values[key] = value[:-1]
    return values


def _mounted(
    path: str, mounts: dict[str, Object], volumes: dict[str, Object], taken_mounts: set[str]
) -> tuple[Object, str] | None:
    """The volume that provides the file at `path`, and the file's name inside the volume."""
    for directory, mount in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if path.startswith(directory + "/"):
            taken_mounts.add(directory)
            relative = path[len(directory) + 1 :]
            volume = volumes.get(mount["name"], {})
            source = volume.get("secret") or volume.get("configMap") or {}
            for item in source.get("items") or []:
                if item.get("path") == relative:
                    return volume, item["key"]
            return volume, relative
    return None


def _config(
    pool: _Objects, container: Object, mounts: dict[str, Object], volumes: dict[str, Object], taken_mounts: set[str]
) -> tuple[dict[str, Any], str]:
    from regc import yamlread

    for directory in CONFIG_DIRS:
        found = _mounted(f"{directory}/config.yml", mounts, volumes, taken_mounts)
        if found is None:
            continue
        volume, key = found
        config_map = pool.find("ConfigMap", (volume.get("configMap") or {}).get("name"))
        if config_map is not None:
            text = (config_map.get("data") or {}).get(key, "")
            loaded = yamlread.load(text) if text else {}
            return (loaded if isinstance(loaded, dict) else {}), f"{_identity(config_map)} {key}"
    return {}, "config.yml"


def _environment(
    pool: _Objects,
    container: Object,
    config: dict[str, Any],
    secrets: dict[str, Any],
    unmapped: list[Unmapped],
    notes: list[str],
    workload: Object,
) -> None:
    """REGISTRY_* variables: credentials from Secrets to the secrets file, the rest into config.yml
    (where the registry puts them too)."""
    for variable in container.get("env", []):
        name = variable.get("name", "")
        if not name.startswith("REGISTRY_"):
            unmapped.append(Unmapped(f"{_identity(workload)}: env {name}", "not a registry variable", "extras.env"))
            continue
        value: str | None = variable.get("value")
        reference = (variable.get("valueFrom") or {}).get("secretKeyRef")
        if reference:
            secret = pool.find("Secret", reference.get("name"))
            value = _secret_data(secret, notes).get(reference.get("key", "")) if secret else None
            if value is None:
                unmapped.append(Unmapped(f"{_identity(workload)}: env {name}", "its Secret is not among the objects"))
                continue
        if value is None:
            continue
        if name in CREDENTIAL_VARIABLES:
            node = secrets
            path = CREDENTIAL_VARIABLES[name]
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
            continue
        node = config
        parts = name.lower().split("_")[1:]
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part), dict) or part not in node else {}
        node[parts[-1]] = value


def _map_config(
    taken: Taken,
    spec: dict[str, Any],
    secrets: dict[str, Any],
    pool: _Objects,
    mounts: dict[str, Object],
    volumes: dict[str, Object],
    taken_mounts: set[str],
    notes: list[str],
    unmapped: list[Unmapped],
) -> None:
    config = taken.data
    taken.get("version")
    taken.get("log", "fields")
    taken.get("http", "addr")
    taken.get("http", "debug")
    registry = spec["registry"]
    if taken.get("log", "level"):
        registry["logLevel"] = taken.get("log", "level")
    if taken.get("log", "formatter"):
        registry["logFormatter"] = taken.get("log", "formatter")
    headers = taken.get("http", "headers")
    if headers and headers != {"X-Content-Type-Options": ["nosniff"]}:
        registry["headers"] = headers
    check = taken.get("health", "storagedriver", default={})
    if check and check != {"enabled": True, "interval": "10s", "threshold": 3}:
        registry.setdefault("healthCheck", {})["storageDriver"] = check
    cache = taken.get("storage", "cache", "blobdescriptor")
    if cache and cache != "inmemory":
        registry["blobDescriptorCache"] = cache
    if taken.get("http", "secret"):
        secrets["httpSecret"] = taken.get("http", "secret")
    storage = config.get("storage") or {}
    if "filesystem" in storage:
        taken.get("storage", "filesystem")
        claim = _claim(
            pool, mounts, volumes, taken_mounts, storage["filesystem"].get("rootdirectory", "/var/lib/registry")
        )
        spec["storage"] = {"driver": "filesystem", **claim}
    elif "swift" in storage:
        swift = taken.take(("storage", "swift"), "authurl", "username", "password", "container")
        spec["storage"] = {
            "driver": "swift",
            "authurl": swift.get("authurl", ""),
            "username": swift.get("username", ""),
            "container": swift.get("container", ""),
            "credentials": "provided",
        }
        if swift.get("password"):
            secrets.setdefault("swift", {})["password"] = swift["password"]
    elif "s3" in storage:
        s3 = taken.take(
            ("storage", "s3"), "region", "regionendpoint", "bucket", "accesskey", "secretkey", "secure", "rootdirectory"
        )
        out = {"driver": "s3", "bucket": s3.get("bucket", ""), "region": s3.get("region", "us-east-1")}
        for key in ("regionendpoint", "secure", "rootdirectory"):
            if key in s3:
                out[key] = s3[key]
        out["credentials"] = "provided"
        for source, target in (("accesskey", "accessKey"), ("secretkey", "secretKey")):
            if s3.get(source):
                secrets.setdefault("s3", {})[target] = s3[source]
        spec["storage"] = out
    if taken.get("storage", "delete", "enabled"):
        spec["storage"]["delete"] = True
    htpasswd = taken.take(("auth", "htpasswd"), "realm", "path")
    if htpasswd.get("path"):
        found = _mounted(htpasswd["path"], mounts, volumes, taken_mounts)
        secret = pool.find("Secret", (found[0].get("secret") or {}).get("secretName")) if found else None
        if secret is None or found is None:
            unmapped.append(Unmapped("config.yml: auth.htpasswd.path", "its Secret is not among the objects"))
        else:
            users = []
            for line in _secret_data(secret, notes).get(found[1], "").splitlines():
                user, _, hashed = line.partition(":")
                if user and hashed:
                    users.append(user)
                    secrets.setdefault("hashes", {})[user] = hashed
            auth: dict[str, Any] = {"users": users}
            if htpasswd.get("realm") and htpasswd["realm"] != "registry":
                auth["realm"] = htpasswd["realm"]
            spec["auth"] = {"htpasswd": auth}
    tls = taken.take(("http", "tls"), "certificate", "key")
    if tls.get("certificate") and tls.get("key"):
        cert_file = _mounted(tls["certificate"], mounts, volumes, taken_mounts)
        key_file = _mounted(tls["key"], mounts, volumes, taken_mounts)
        secret = pool.find("Secret", (cert_file[0].get("secret") or {}).get("secretName")) if cert_file else None
        if secret is None or cert_file is None or key_file is None:
            unmapped.append(Unmapped("config.yml: http.tls", "its Secret is not among the objects"))
        else:
            data = _secret_data(secret, notes)
            secrets["tls"] = {"cert": data.get(cert_file[1], ""), "key": data.get(key_file[1], "")}
            if data.get("ca.crt"):
                secrets["ca"] = {"cert": data["ca.crt"]}
            spec["tls"] = {"certificate": "provided"}
            notes.append(
                f"{_identity(secret)}: the certificate and key are kept as they are (tls.certificate: provided), "
                "so clients keep trusting the registry; regc warns before it expires"
            )
    else:
        spec["tls"] = {"enabled": False}
        notes.append("config.yml has no http.tls: the registry serves plain HTTP, and so does the spec")
        if spec.get("auth"):
            spec["insecure"] = True


def _claim(
    pool: _Objects, mounts: dict[str, Object], volumes: dict[str, Object], taken_mounts: set[str], root: str
) -> dict[str, Any]:
    found = _mounted(f"{root.rstrip('/')}/x", mounts, volumes, taken_mounts)
    claim_name = ((found[0].get("persistentVolumeClaim") or {}).get("claimName")) if found else None
    claim = pool.find("PersistentVolumeClaim", claim_name) if claim_name else None
    if claim is None:
        return {}
    spec = claim.get("spec", {})
    out: dict[str, Any] = {}
    size = (spec.get("resources", {}).get("requests") or {}).get("storage")
    if size:
        out["size"] = str(size)
    if spec.get("storageClassName"):
        out["storageClassName"] = spec["storageClassName"]
    modes = spec.get("accessModes") or []
    if modes:
        out["accessMode"] = modes[0]
    return out


def _radosgw(pool: _Objects, spec: dict[str, Any], notes: list[str]) -> None:
    """A selector-less Service with Endpoints or EndpointSlices of its name: the radosgw front."""
    for index, service in pool.of_kind("Service"):
        if service.get("spec", {}).get("selector"):
            continue
        name = service.get("metadata", {}).get("name")
        addresses: list[str] = []
        endpoints = pool.find("Endpoints", name)
        if endpoints is not None:
            addresses += [a["ip"] for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []]
        for slice_index, endpoint_slice in pool.of_kind("EndpointSlice"):
            if endpoint_slice.get("metadata", {}).get("labels", {}).get("kubernetes.io/service-name") == name:
                pool.used.add(slice_index)
                addresses += [a for e in endpoint_slice.get("endpoints") or [] for a in e.get("addresses") or []]
        if not addresses:
            continue
        pool.used.add(index)
        ports = service.get("spec", {}).get("ports") or [{}]
        front: dict[str, Any] = {"hosts": list(dict.fromkeys(addresses))}
        if ports[0].get("port", 7480) != 7480:
            front["port"] = ports[0]["port"]
        spec["radosgw"] = front
        notes.append(
            f"{_identity(service)}: the radosgw front; regc writes it with EndpointSlices (Endpoints is deprecated)"
        )
        return


def _pull_secrets(pool: _Objects, spec: dict[str, Any], secrets: dict[str, Any], unmapped: list[Unmapped]) -> None:
    """Pull secrets: they hold a user's password, which (checked against its htpasswd hash) regc keeps."""
    from regc.secrets import htpasswd

    hashes = secrets.get("hashes", {})
    found: list[tuple[Object, str]] = []
    for index, secret in pool.of_kind("Secret"):
        if secret.get("type") != "kubernetes.io/dockerconfigjson":
            continue
        raw = base64.b64decode((secret.get("data") or {}).get(".dockerconfigjson", "")).decode() or "{}"
        for login in (json.loads(raw).get("auths") or {}).values():
            user, password = login.get("username"), login.get("password")
            if (user is None or password is None) and login.get("auth"):
                user, _, password = base64.b64decode(login["auth"]).decode().partition(":")
            if user in hashes and password and htpasswd.verify(password, hashes[user]):
                pool.used.add(index)
                secrets.setdefault("users", {})[user] = password
                found.append((secret, user))
            elif user in hashes:
                pool.used.add(index)
                unmapped.append(Unmapped(_identity(secret), f"its password for {user} is not the one htpasswd holds"))
    if found:
        first, user = found[0]
        namespaces = sorted({s.get("metadata", {}).get("namespace") or spec["namespace"] for s, _ in found})
        spec["pullSecrets"] = {"user": user, "namespaces": namespaces, "name": first["metadata"]["name"]}


def _service_and_ingress(pool: _Objects, workload: Object, spec: dict[str, Any]) -> None:
    labels = workload.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    for index, service in pool.of_kind("Service"):
        selector = service.get("spec", {}).get("selector") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            continue
        pool.used.add(index)
        body = service["spec"]
        out: dict[str, Any] = {}
        if body.get("type", "ClusterIP") != "ClusterIP":
            out["type"] = body["type"]
        port = (body.get("ports") or [{}])[0]
        if port.get("port", 5000) != 5000:
            out["port"] = port["port"]
        if port.get("nodePort"):
            out["nodePort"] = port["nodePort"]
        if out:
            spec["service"] = out
        name = service["metadata"]["name"]
        for ingress_index, ingress in pool.of_kind("Ingress"):
            rules = ingress.get("spec", {}).get("rules") or []
            backends = [
                p.get("backend", {}).get("service", {}).get("name") or p.get("backend", {}).get("serviceName")
                for r in rules
                for p in (r.get("http") or {}).get("paths") or []
            ]
            if name not in backends:
                continue
            pool.used.add(ingress_index)
            hosts = [r["host"] for r in rules if r.get("host")]
            if hosts:
                entry: dict[str, Any] = {"host": hosts[0]}
                if hosts[1:]:
                    entry["hosts"] = hosts[1:]
                class_name = ingress["spec"].get("ingressClassName")
                if class_name:
                    entry["className"] = class_name
                tls = ingress["spec"].get("tls") or []
                if tls and tls[0].get("secretName"):
                    entry["tlsSecretName"] = tls[0]["secretName"]
                spec["ingress"] = entry
        return
