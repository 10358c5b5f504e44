"""The Kubernetes objects of a registry a team runs (hand-written, of any era, or `kubectl get -o
yaml`) as a regc spec and secrets: the registry workload as it runs (its effective configuration:
the image's own file, the mounted one, the variables), the htpasswd, TLS and storage credentials,
the radosgw front, pull secrets, the Service, Ingress and volume claim, a per-node proxy. Old
values are kept (passwords by hash, the TLS key and certificate as they are), mistakes are named,
and every object or setting without a place in the spec is reported."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from pydantic import SecretStr

from regc.adopt import scheduling as pod_scheduling
from regc.adopt.config import map_config
from regc.adopt.imported import Imported
from regc.adopt.runtime import (
    CLASS_ANNOTATION,
    POD_KINDS,
    Object,
    Runtime,
    config_key,
    data_of,
    echo_newline,
    identity,
    ingress_class,
    mapping,
    mappings,
    misplaced_keys,
    misplaced_unreadable,
    pod_spec,
    registry_container,
    routed,
    runtime,
)
from regc.adopt.shapes import misshapen
from regc.adopt.stores import store_form
from regc.adopt.values import Unmapped, dotted
from regc.adopt.volumes import extra_volume
from regc.distribution.credentials import holds_credential
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, data, environment, merge
from regc.secrets import htpasswd
from regc.secrets.document import SecretsFile

# API versions of the objects an import meets that Kubernetes no longer serves, and the release that
# removed them (the Kubernetes deprecation guide).
REMOVED_APIS = {
    "extensions/v1beta1": "1.16 (Deployment, DaemonSet, ReplicaSet) and 1.22 (Ingress)",
    "apps/v1beta1": "1.16",
    "apps/v1beta2": "1.16",
    "networking.k8s.io/v1beta1": "1.22",
    "policy/v1beta1": "1.25",
    "batch/v1beta1": "1.25",
}
NODE_PROXY_IMAGE = re.compile(r"kube-registry-proxy")


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
            if obj.get("kind") == kind and (obj.get("metadata") or {}).get("name") == name:
                self.used.add(index)
                return obj
        return None

    def of_kind(self, *kinds: str) -> list[tuple[int, Object]]:
        return [(i, o) for i, o in enumerate(self.objects) if o.get("kind") in kinds]

    def use(self, obj: Object) -> None:
        for index, other in enumerate(self.objects):
            if other is obj:
                self.used.add(index)


def from_manifests(objects: list[Object], namespace: str | None, major: int | None = None) -> Imported:
    """The import of `objects`; `major` says which registry an image without a version tag runs.
    Objects not in the shape Kubernetes reads (a list where a mapping goes, a Secret value that is
    not base64...) are located and nothing is guessed or written."""
    wrong = [
        Unmapped(f"{identity(obj)}: {path or '(the object)'}", f"must be {shape} as Kubernetes reads it")
        for obj in objects
        for path, shape in misshapen(obj)
    ]
    wrong += [
        Unmapped(f"{identity(obj)}: spec.{key}", "must be base64 text (a Secret's value, misplaced under spec)")
        for obj in objects
        for key in misplaced_unreadable(obj)
    ]
    if wrong:
        return Imported({}, {}, wrong, [], complete=False, objects=objects)
    return _from_manifests(objects, namespace, major)


def _workloads(pool: _Objects) -> list[tuple[int, Object, Object]]:
    found = []
    for index, obj in pool.of_kind(*POD_KINDS):
        container = registry_container(obj)
        if container is not None:
            found.append((index, obj, container))
    return found


def _from_manifests(objects: list[Object], namespace: str | None, major: int | None) -> Imported:
    pool = _Objects(objects)
    notes: list[str] = []
    unmapped: list[Unmapped] = []
    workloads = _workloads(pool)
    if not workloads:
        kinds = sorted({f"{o.get('kind')}" for o in objects})
        plural = "object" if len(objects) == 1 else "objects"
        said = f"{len(objects)} {plural} ({', '.join(kinds)})" if objects else "no objects"
        unmapped.append(Unmapped("(objects)", f"no registry among them: {said}, none runs a registry image"))
        return Imported({}, {}, unmapped, notes, complete=False, objects=objects)
    index, workload, container = workloads[0]
    pool.used.add(index)
    for other_index, other, _ in workloads[1:]:
        pool.used.add(other_index)
        unmapped.append(Unmapped(identity(other), "a second registry: import it under its own --name"))
    meta = workload.get("metadata") or {}
    namespace = namespace or meta.get("namespace") or "registry"
    secrets: dict[str, Any] = {}
    _api_notes(objects, notes)
    if workload["kind"] != "Deployment":
        notes.append(f"{identity(workload)}: a {workload['kind']}; regc runs the registry as a Deployment")
    run = runtime(objects, workload, container, major)
    if not run.image.official and run.config is not None and run.config.kind == "image":
        notes.append(
            f"{identity(workload)}: {run.image.reference} is not the official registry image: regc reads it as "
            f"shipping the official registry:{run.major} image's config.yml (mount the file to say otherwise)"
        )
    replicas = 1 if workload["kind"] == "Pod" else (workload.get("spec") or {}).get("replicas", 1)
    amounts = {kind: (container.get("resources") or {}).get(kind) or {} for kind in ("requests", "limits")}
    resources = {
        kind: model.ResourceAmounts.model_construct(
            cpu=str(given["cpu"]) if "cpu" in given else NOT_GIVEN,
            memory=str(given["memory"]) if "memory" in given else NOT_GIVEN,
        )
        for kind, given in amounts.items()
    }
    registry = model.Registry.model_construct(
        image=str(container["image"]),
        replicas=replicas if replicas not in (1, None) else NOT_GIVEN,
        resources=model.Resources.model_construct(requests=resources["requests"], limits=resources["limits"]),
    )
    pod = pod_spec(workload)
    policy = container.get("imagePullPolicy")
    spec = data(
        environment(
            namespace=namespace,
            registry=registry,
            image_pull_policy=policy if policy not in (None, "IfNotPresent") else NOT_GIVEN,
            image_pull_secrets=[s["name"] for s in pod.get("imagePullSecrets") or []] or NOT_GIVEN,
        )
    )
    imported = Imported(spec, secrets, unmapped, notes, objects=objects, before=run)
    if run.parsed is None:
        for problem in run.problems:
            unmapped.append(
                Unmapped(identity(workload), problem, "--registry-version 2 or 3" if run.major is None else "")
            )
        imported.complete = False
        return imported
    if run.parsed.error is not None:
        error = run.parsed.error
        where = f"{run.config.origin}" if run.config else "no configuration file"
        if error.line:
            where += f" line {error.line} column {error.column}"
        deep = error.message.startswith("nested deeper")  # regc's bound, not the registry's refusal
        reason = "regc does not read it" if deep else "the registry does not start with it"
        unmapped.append(Unmapped(f"{identity(workload)} ({where})", f"{reason}: {error.message}"))
        imported.complete = False
        return imported
    where = run.config.origin if run.config else "config.yml"
    for name in run.parsed.unread:
        unmapped.append(Unmapped(f"{where}: {name}", "the registry does not read this key (it is ignored today)"))
    for name, source in run.references:
        if not holds_credential(config_key(name)) and name.startswith("REGISTRY_"):
            unmapped.append(
                Unmapped(f"{identity(workload)}: env {name}", f"its value comes from {source}, not among the objects")
            )
    for name, _ in run.variables:
        origin = run.sources.get(name)
        if not name.startswith("REGISTRY_") and origin is not None and origin.kind not in ("Service",):
            unmapped.append(Unmapped(f"{identity(workload)}: env {name}", "not a registry variable", "extras.env"))
    if run.config is not None and run.config.kind in ("ConfigMap", "Secret"):
        pool.find(run.config.kind, run.config.name)
    mapped = map_config(run, spec, secrets, where)
    notes += mapped.notes
    unmapped += mapped.unmapped
    imported.losses = mapped.losses
    imported.leftovers = mapped.leftovers
    _used_files(pool, run)
    _secret_notes(pool, notes)
    if not imported.losses:
        _storage_volume(pool, run, spec, notes)
    _other_mounts(run, spec, unmapped)
    _pod_fields(workload, pod, container, spec, unmapped, notes, run)
    _radosgw(pool, spec, notes)
    _pull_secrets(pool, spec, secrets, unmapped)
    _service_and_ingress(pool, workload, spec, unmapped)
    _node_proxy(pool, spec, notes)
    store_form(objects, pool.used, spec, namespace, notes)
    for position, obj in enumerate(objects):
        if position not in pool.used:
            unmapped.append(Unmapped(identity(obj), "not part of the registry regc runs"))
    imported.complete = "storage" in spec
    return imported


def _api_notes(objects: list[Object], notes: list[str]) -> None:
    for obj in objects:
        version = str(obj.get("apiVersion", ""))
        if version in REMOVED_APIS:
            notes.append(
                f"{identity(obj)}: apiVersion {version} was removed in Kubernetes {REMOVED_APIS[version]}; "
                "regc writes the current one"
            )
        elif version == "extensions/v1":
            notes.append(f"{identity(obj)}: apiVersion extensions/v1 was never served by Kubernetes")


def _used_files(pool: _Objects, run: Runtime) -> None:
    """The Secrets and ConfigMaps the registry reads (files and variables) are part of it."""
    for source in run.sources.values():
        if source.kind in ("Secret", "ConfigMap") and source.held:
            pool.find(source.kind, source.name)
    for volume in pod_spec(run.workload).get("volumes") or []:
        for kind, key, name_key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
            if isinstance(volume.get(key), dict):
                pool.find(kind, volume[key].get(name_key))
        for item in mappings(mapping(volume.get("projected")).get("sources")):
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if isinstance(item.get(key), dict):
                    pool.find(kind, item[key].get("name"))


def _storage_volume(pool: _Objects, run: Runtime, spec: dict[str, Any], notes: list[str]) -> None:
    """A filesystem registry's volume: the claim's size, class and access mode; another volume named."""
    if (spec.get("storage") or {}).get("driver") != "filesystem" or run.parsed is None:
        return
    root = str(
        ((run.parsed.config.get("storage") or {}).get("filesystem") or {}).get("rootdirectory") or "/var/lib/registry"
    )
    mounts = [m for m in run.container.get("volumeMounts") or [] if isinstance(m, dict)]
    covering = [
        m
        for m in mounts
        if root == str(m.get("mountPath", "")).rstrip("/")
        or root.startswith(str(m.get("mountPath", "")).rstrip("/") + "/")
    ]
    if not covering:
        notes.append(
            f"{identity(run.workload)}: the images are in the container's own file system at {root} (lost with the "
            "pod); regc claims a volume for them"
        )
        return
    mount = max(covering, key=lambda m: len(str(m.get("mountPath"))))
    volume: Object = next(
        (v for v in pod_spec(run.workload).get("volumes") or [] if v.get("name") == mount.get("name")), {}
    )
    claim_name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
    templates = (run.workload.get("spec") or {}).get("volumeClaimTemplates") or []
    claim = pool.find("PersistentVolumeClaim", claim_name) if claim_name else None
    if claim is None:
        claim = next((t for t in templates if (t.get("metadata") or {}).get("name") == mount.get("name")), None)
    if claim is not None:
        body = claim.get("spec") or {}
        size = ((body.get("resources") or {}).get("requests") or {}).get("storage")
        modes = body.get("accessModes") or [NOT_GIVEN]
        volume_of_claim = model.FilesystemStorage.model_construct(
            size=str(size) if size else NOT_GIVEN,
            storage_class_name=body.get("storageClassName") or None,
            access_mode=modes[0],
        )
        merge(spec, environment(storage=volume_of_claim))
        notes.append(
            f"PersistentVolumeClaim/{(claim.get('metadata') or {}).get('name')}: the images on it stay there; regc "
            "claims its own volume of that size and class: copy them over before the switch (the migrate how-to)"
        )
        return
    kind = next((k for k in volume if k != "name"), "unknown")
    notes.append(
        f"{identity(run.workload)}: the images are on a {kind} volume ({mount.get('name')}); regc claims a volume "
        "of its own: copy them over before the switch"
    )
    if kind == "persistentVolumeClaim" and claim_name:
        notes.append(
            f"PersistentVolumeClaim/{claim_name} is not among the objects: its size and class are regc's defaults"
        )


def _other_mounts(run: Runtime, spec: dict[str, Any], unmapped: list[Unmapped]) -> None:
    """Volumes the registry mounts beyond its configuration, credentials and data: whole ConfigMaps,
    Secrets and emptyDirs to extras.volumes, any other reported."""
    assert run.parsed is not None
    config = run.parsed.config
    read = [run.config_path or ""]
    read += [str(((config.get("auth") or {}).get("htpasswd") or {}).get("path") or "")]
    tls = (config.get("http") or {}).get("tls") or {}
    read += [str(tls.get("certificate") or ""), str(tls.get("key") or "")]
    filesystem = (config.get("storage") or {}).get("filesystem") or {}
    read.append(str(filesystem.get("rootdirectory") or "/var/lib/registry"))
    volumes = {v.get("name"): v for v in pod_spec(run.workload).get("volumes") or [] if isinstance(v, dict)}
    extras: list[model.ExtraVolume] = []
    for mount in run.container.get("volumeMounts") or []:
        at = str(mount.get("mountPath", "")).rstrip("/")
        if any(path == at or path.startswith(at + "/") for path in read if path):
            continue
        volume = volumes.get(mount.get("name")) or {"name": mount.get("name")}
        entry, why = extra_volume(volume, mount)
        if entry is None:
            unmapped.append(
                Unmapped(
                    f"{identity(run.workload)}: volumeMounts[{mount.get('name')}]",
                    f"a volume at {mount.get('mountPath')} regc cannot mount as it is ({why})",
                    "extras.volumes (a whole ConfigMap, Secret or emptyDir)",
                )
            )
            continue
        extras.append(entry)
    merge(spec, environment(extras=model.Extras.model_construct(volumes=extras or NOT_GIVEN)))


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
    "enableServiceLinks",
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
CONTAINER_MAPPED = ("name", "image", "imagePullPolicy", "resources", "env", "envFrom", "volumeMounts", "ports")
CONTAINER_OWN = ("livenessProbe", "readinessProbe", "startupProbe", "securityContext")
CONTAINER_DEFAULTS = ("terminationMessagePath", "terminationMessagePolicy")


def _pod_fields(
    workload: Object,
    pod: Object,
    container: Object,
    spec: dict[str, Any],
    unmapped: list[Unmapped],
    notes: list[str],
    run: Runtime,
) -> None:
    where = identity(workload)
    tolerations, left = pod_scheduling.tolerations(pod.get("tolerations"))
    affinity, more = pod_scheduling.node_affinity(pod.get("affinity"))
    for path, reason, instead in left + more:
        unmapped.append(Unmapped(f"{where}: spec.template.spec.{dotted(path)}", reason, instead))
    scheduling = model.Scheduling.model_construct(
        node_selector=pod.get("nodeSelector") or NOT_GIVEN,
        tolerations=tolerations or NOT_GIVEN,
        priority_class_name=pod.get("priorityClassName") or None,
        node_affinity=affinity,
    )
    grace = pod.get("terminationGracePeriodSeconds")
    account = pod.get("serviceAccountName")
    part = environment(
        scheduling=scheduling,
        availability=model.Availability.model_construct(
            termination_grace_period_seconds=grace if grace not in (None, 30) else NOT_GIVEN
        ),
        service_account=model.ServiceAccount.model_construct(name=account if account != "default" else None),
    )
    merge(spec, part)
    for key in pod:
        if key not in POD_MAPPED + POD_DEFAULTS:
            unmapped.append(Unmapped(f"{where}: spec.template.spec.{key}", "regc's pod has no such setting"))
    for other in pod.get("containers") or []:
        if other is not container:
            unmapped.append(
                Unmapped(
                    f"{where}: containers[{other.get('name')}]", "a second container; regc's pod runs the registry only"
                )
            )
    for key in container:
        if key in CONTAINER_OWN:
            notes.append(f"{where}: {key} of the registry container: regc writes its own")
        elif key in ("command", "args"):
            if run.config_path is None:
                unmapped.append(
                    Unmapped(f"{where}: containers[{container.get('name')}].{key}", "regc runs `registry serve`")
                )
        elif key not in CONTAINER_MAPPED + CONTAINER_DEFAULTS:
            unmapped.append(
                Unmapped(f"{where}: containers[{container.get('name')}].{key}", "regc runs the registry's own command")
            )


def _secret_notes(pool: _Objects, notes: list[str]) -> None:
    """The guide's mistakes in the Secrets the registry reads: keys under `spec:`, a value ending in
    the newline of `echo` without -n."""
    for index, secret in pool.of_kind("Secret"):
        if index not in pool.used:
            continue
        if misplaced_keys(secret):
            notes.append(
                f"{identity(secret)}: its keys are under `spec:`, which a Secret does not have (Kubernetes ignores "
                "them): regc reads them, and writes the values to the secrets file"
            )
        for key, value in (secret.get("data") or (secret.get("spec") if misplaced_keys(secret) else {}) or {}).items():
            if echo_newline(base64.b64decode(str(value or "")).decode("utf-8", "replace")):
                notes.append(
                    f"{identity(secret)}: the value of {key} ends in a newline (`echo` without -n before base64): "
                    "regc keeps it without"
                )


def _radosgw(pool: _Objects, spec: dict[str, Any], notes: list[str]) -> None:
    """A selector-less Service with Endpoints or EndpointSlices of its name: the radosgw front."""
    for index, service in pool.of_kind("Service"):
        if (service.get("spec") or {}).get("selector"):
            continue
        name = (service.get("metadata") or {}).get("name")
        addresses: list[str] = []
        endpoints = pool.find("Endpoints", name)
        if endpoints is not None:
            addresses += [a["ip"] for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []]
        for slice_index, endpoint_slice in pool.of_kind("EndpointSlice"):
            if ((endpoint_slice.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name") == name:
                pool.used.add(slice_index)
                addresses += [a for e in endpoint_slice.get("endpoints") or [] for a in e.get("addresses") or []]
        if not addresses:
            continue
        pool.used.add(index)
        ports = (service.get("spec") or {}).get("ports") or [{}]
        front = model.Radosgw.model_construct(
            hosts=list(dict.fromkeys(addresses)),
            # Kept as the team runs it; regc's own default, the haproxy front, checks the hosts.
            front="endpoints",
            port=ports[0]["port"] if ports[0].get("port", 7480) != 7480 else NOT_GIVEN,
            service_name=str(name) if name and name != "radosgw" else NOT_GIVEN,
        )
        merge(spec, environment(radosgw=front))
        notes.append(
            f"{identity(service)}: the radosgw front, kept selector-less (radosgw.front: endpoints) and written "
            "with EndpointSlices (Endpoints is deprecated); radosgw.front: haproxy would check the hosts"
        )
        return


def _pull_secrets(pool: _Objects, spec: dict[str, Any], secrets: dict[str, Any], unmapped: list[Unmapped]) -> None:
    """Pull secrets: they hold a user's password, which (checked against its htpasswd hash) regc keeps."""
    hashes = secrets.get("hashes", {})
    found: list[tuple[Object, str]] = []
    for index, secret in pool.of_kind("Secret"):
        if secret.get("type") != "kubernetes.io/dockerconfigjson":
            continue
        raw = data_of(secret).get(".dockerconfigjson", "") or "{}"
        for login in (json.loads(raw).get("auths") or {}).values():
            user, password = login.get("username"), login.get("password")
            if (user is None or password is None) and login.get("auth"):
                user, _, password = base64.b64decode(login["auth"]).decode("utf-8", "replace").partition(":")
            if user in hashes and password and htpasswd.verify(password, hashes[user]):
                pool.used.add(index)
                merge(secrets, SecretsFile.model_construct(users={user: SecretStr(password)}))
                found.append((secret, user))
            elif user in hashes:
                pool.used.add(index)
                unmapped.append(Unmapped(identity(secret), f"its password for {user} is not the one htpasswd holds"))
    if found:
        first, user = found[0]
        namespaces = sorted({(s.get("metadata") or {}).get("namespace") or spec["namespace"] for s, _ in found})
        part = model.PullSecrets.model_construct(user=user, namespaces=namespaces, name=first["metadata"]["name"])
        merge(spec, environment(pull_secrets=part))


def _service_and_ingress(pool: _Objects, workload: Object, spec: dict[str, Any], unmapped: list[Unmapped]) -> None:
    if workload.get("kind") == "Pod":
        labels = (workload.get("metadata") or {}).get("labels") or {}
    else:
        labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    for index, service in pool.of_kind("Service"):
        selector = (service.get("spec") or {}).get("selector") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            continue
        pool.used.add(index)
        body = service.get("spec") or {}
        ports = body.get("ports") or [{}]
        port = ports[0]
        annotations = (service.get("metadata") or {}).get("annotations") or {}
        part = model.Service.model_construct(
            type=body["type"] if body.get("type", "ClusterIP") != "ClusterIP" else NOT_GIVEN,
            port=port["port"] if port.get("port", 5000) != 5000 else NOT_GIVEN,
            node_port=port.get("nodePort") or None,
            load_balancer_ip=body.get("loadBalancerIP") or None,
            load_balancer_source_ranges=body.get("loadBalancerSourceRanges") or NOT_GIVEN,
            # Cluster is what the API server fills in
            external_traffic_policy="Local" if body.get("externalTrafficPolicy") == "Local" else NOT_GIVEN,
            annotations={str(k): str(v) for k, v in annotations.items()} or NOT_GIVEN,
        )
        for extra in ports[1:]:
            unmapped.append(
                Unmapped(
                    f"{identity(service)}: ports[{extra.get('name') or extra.get('port')}]",
                    "regc's Service has one port",
                )
            )
        merge(spec, environment(service=part))
        ingresses = routed(pool.objects, service)
        for extra in ingresses[1:]:
            pool.use(extra)
            hosts = ", ".join(str(r.get("host")) for r in (extra.get("spec") or {}).get("rules") or [])
            unmapped.append(
                Unmapped(
                    identity(extra),
                    f"a second Ingress to the registry (hosts {hosts}): regc's Ingress is one",
                    "ingress.hosts, where one Ingress can serve them all",
                )
            )
        if ingresses:
            pool.use(ingresses[0])
            _ingress(ingresses[0], spec, unmapped)
        return


def _ingress(ingress: Object, spec: dict[str, Any], unmapped: list[Unmapped]) -> None:
    rules = [r for r in (ingress.get("spec") or {}).get("rules") or [] if isinstance(r, dict)]
    hosts = [r["host"] for r in rules if r.get("host")]
    if not hosts:
        unmapped.append(Unmapped(identity(ingress), "an Ingress without a host: regc's Ingress names its hosts"))
        return
    annotations = dict((ingress.get("metadata") or {}).get("annotations") or {})
    annotations.pop(CLASS_ANNOTATION, None)
    class_name = ingress_class(ingress)
    if not class_name:
        unmapped.append(
            Unmapped(
                identity(ingress),
                "no ingress class: the cluster's default class serves it today; regc names one",
                "ingress.className (the default class's name)",
            )
        )
    tls = [t for t in (ingress.get("spec") or {}).get("tls") or [] if isinstance(t, dict)]
    if tls and not tls[0].get("secretName"):
        unmapped.append(Unmapped(identity(ingress), "TLS without a Secret (the controller's default certificate)"))
    paths = {p.get("path") or "/" for r in rules for p in (r.get("http") or {}).get("paths") or []}
    path = sorted(paths)[0] if paths else "/"
    if path not in ("/", "/v2", "/v2/"):
        unmapped.append(Unmapped(identity(ingress), f"path {path}: regc's Ingress serves / or /v2"))
    entry = model.Ingress.model_construct(
        host=hosts[0],
        hosts=hosts[1:] or NOT_GIVEN,
        class_name=str(class_name) if class_name else NOT_GIVEN,
        annotations={str(k): str(v) for k, v in annotations.items()} or NOT_GIVEN,
        tls_secret_name=tls[0]["secretName"] if tls and tls[0].get("secretName") else None,
        path="/v2" if path in ("/v2", "/v2/") else NOT_GIVEN,
    )
    merge(spec, environment(ingress=entry))


def _node_proxy(pool: _Objects, spec: dict[str, Any], notes: list[str]) -> None:
    """A per-node proxy (the add-on's kube-registry-proxy DaemonSet or Pods): regc's node proxy."""
    for index, obj in pool.of_kind("DaemonSet", "Pod"):
        containers = pod_spec(obj).get("containers") or []
        proxy = next((c for c in containers if NODE_PROXY_IMAGE.search(str(c.get("image", "")))), None)
        if proxy is None:
            continue
        pool.used.add(index)
        ports = [p for p in proxy.get("ports") or [] if isinstance(p, dict) and p.get("hostPort")]
        entry = model.NodeProxy.model_construct(
            enabled=True, host_port=ports[0]["hostPort"] if ports and ports[0]["hostPort"] != 5000 else NOT_GIVEN
        )
        merge(spec, environment(node_proxy=entry))
        notes.append(
            f"{identity(obj)}: a per-node proxy (nodes pull from localhost:{ports[0]['hostPort'] if ports else 5000}); "
            "regc runs its own (haproxy) as a DaemonSet"
        )
