"""What a registry container runs with, read from the objects around it as the kubelet and the image
would give it: the image and its major version, the configuration file it reads (mounted, or the
image's own), its variables (env, envFrom, the links of the namespace's Services), and so the
configuration the registry really runs with."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from regc.adopt.shapes import base64_text, sealed
from regc.distribution import images, parser
from regc.distribution.credentials import holds_credential

Object = dict[str, Any]
REGISTRY_IMAGE = re.compile(r"(^|/)(registry|distribution)([:@]|$)")
POD_KINDS = ("Deployment", "StatefulSet", "ReplicationController", "ReplicaSet", "DaemonSet", "Pod", "Job")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_EXPANSION = re.compile(r"\$\$|\$\(([^)]*)\)")


def identity(obj: Object) -> str:
    """An object as a report names it: Kind/namespace/name."""
    meta: Object = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')}/{where}{meta.get('name')}"


CLASS_ANNOTATION = "kubernetes.io/ingress.class"  # the class an Ingress named before ingressClassName


def mapping(node: Any) -> Object:
    """A field of an input object that Kubernetes reads as a mapping (anything else: empty)."""
    return node if isinstance(node, dict) else {}


def mappings(node: Any) -> list[Object]:
    """A field Kubernetes reads as a list of mappings, without the entries that are not."""
    return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def routed(objects: list[Object], service: Object) -> list[Object]:
    """The Ingresses among `objects` with a path to `service` (networking.k8s.io/v1 or the old
    serviceName), in the order they stand."""
    name = mapping(service.get("metadata")).get("name")
    found = []
    for ingress in objects:
        if ingress.get("kind") != "Ingress":
            continue
        paths = [
            p
            for r in mappings(mapping(ingress.get("spec")).get("rules"))
            for p in mappings(mapping(r.get("http")).get("paths"))
        ]
        backends = [mapping(p.get("backend")) for p in paths]
        names = [mapping(b.get("service")).get("name") or b.get("serviceName") for b in backends]
        if name is not None and name in names:
            found.append(ingress)
    return found


def ingress_class(ingress: Object) -> Any:
    """The class an Ingress names: ingressClassName, or the old annotation (None: the cluster's default)."""
    annotations = mapping(mapping(ingress.get("metadata")).get("annotations"))
    return mapping(ingress.get("spec")).get("ingressClassName") or annotations.get(CLASS_ANNOTATION)


def pod_spec(workload: Object) -> Object:
    """The pod a workload runs (a Pod's own spec)."""
    spec = workload.get("spec") or {}
    if workload.get("kind") == "Pod":
        return spec
    template = (spec.get("template") or {}) if isinstance(spec, dict) else {}
    if workload.get("kind") == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    return template.get("spec") or {}


def registry_container(workload: Object) -> Object | None:
    for container in pod_spec(workload).get("containers") or []:
        if isinstance(container, dict) and REGISTRY_IMAGE.search(str(container.get("image", ""))):
            return container
    return None


@dataclass(frozen=True)
class Source:
    """Where a variable's value comes from: `kind` is literal, Secret, ConfigMap (with `name` and
    `key`; `held` when the objects hold it), Service (a link), or pod (a fieldRef)."""

    kind: str
    name: str = ""
    key: str = ""
    held: bool = True

    def __str__(self) -> str:
        if self.kind in ("Secret", "ConfigMap"):
            return f"{self.kind} {self.name} key {self.key}"
        return self.name or self.kind

    def token(self) -> str:
        """What stands for a value the objects do not hold."""
        return f"(from {self})"


@dataclass(frozen=True)
class FileSource:
    """A file the registry reads: from a ConfigMap's or Secret's key (`kind`, `name`, `key`), the
    image, or a volume the objects do not describe; `text` None when the objects do not hold it,
    `absent` when the volume is described and has no such file."""

    path: str
    kind: str
    name: str = ""
    key: str = ""
    text: str | None = None
    absent: bool = False

    @property
    def origin(self) -> str:
        if self.kind in ("ConfigMap", "Secret"):
            return f"{self.kind}/{self.name} key {self.key}"
        return self.name or self.kind


@dataclass
class Runtime:
    """A registry container as it runs."""

    objects: list[Object]  # what the container runs among (its files and variables come from them)
    workload: Object
    container: Object
    image: images.Image
    major: int | None
    config_path: str | None
    config: FileSource | None
    variables: list[tuple[str, str]]
    parsed: parser.Parsed | None
    sources: dict[str, Source] = field(default_factory=dict)  # variable -> where its value comes from
    secret_values: set[str] = field(default_factory=set)  # every value read from a Secret
    problems: list[str] = field(default_factory=list)

    @property
    def references(self) -> list[tuple[str, Source]]:
        """The variables whose values the objects do not hold."""
        return [(name, source) for name, source in self.sources.items() if not source.held]

    def file(self, path: str) -> FileSource | None:
        """The file at `path` in the container (from its volume mounts), None when none holds it."""
        return _Mounts(self.objects, self.workload, self.container).file(path)


def runtime(objects: list[Object], workload: Object, container: Object, major: int | None = None) -> Runtime:
    """`container` of `workload` as it runs among `objects`; `major` decides for an image whose tag
    does not say which registry it is."""
    image = images.image(str(container.get("image", "")))
    major = image.major if image.major is not None else major
    namespace = (workload.get("metadata") or {}).get("namespace")
    lookup = _Lookup(objects, namespace)
    variables, sources, secret_values = _variables(lookup, workload, container)
    run = Runtime(objects, workload, container, image, major, None, None, variables, None, sources, secret_values)
    if major is None:
        run.problems.append(f"the image {image.reference!r} does not say which registry it runs (no version tag)")
        return run
    # A value the objects do not hold is not guessed: a credential stands as a reference to its Secret
    # (the spec refers to it too); any other such variable is left out and reported by the import.
    variables = [
        (n, v) for n, v in variables if sources.get(n, Source("literal")).held or holds_credential(config_key(n))
    ]
    run.variables = variables
    start = images.start(major, _strings(container.get("command")), _strings(container.get("args")), dict(variables))
    if start.path is None:
        run.problems.append(start.problem)
        return run
    run.config_path = start.path
    mounts = _Mounts(objects, workload, container)
    found = mounts.file(start.path)
    if found is None and start.path == images.CONFIG_PATHS[major]:
        found = FileSource(
            start.path, "image", f"the registry:{major} image's own file", text=images.default_config(major)
        )
    run.config = found
    if found is None or found.absent:
        run.parsed = parser.parse(None, variables, major)
    elif found.text is None:
        run.problems.append(f"{start.path} comes from {found.origin}, which the objects do not hold")
    else:
        run.parsed = parser.parse(found.text, variables, major)
        if found.kind == "Secret":
            secret_values.add(found.text)
    return run


def config_key(variable: str) -> str:
    """The configuration key a REGISTRY_* variable names, as the parser's fields mostly spell it
    (REGISTRY_STORAGE_S3_ACCESSKEY: storage.s3.accesskey); for telling credentials apart."""
    return ".".join(variable.lower().split("_")[1:])


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


class _Lookup:
    """Objects of the pod's namespace by kind and name (an object without a namespace is taken to be
    in it: manifests often leave it to `kubectl -n` or Kustomize)."""

    def __init__(self, objects: list[Object], namespace: str | None) -> None:
        self.objects = objects
        self.namespace = namespace

    def find(self, kind: str, name: Any) -> Object | None:
        for obj in self.objects:
            meta = obj.get("metadata") or {}
            if obj.get("kind") != kind or meta.get("name") != name:
                continue
            if meta.get("namespace") in (None, self.namespace) or self.namespace is None:
                return obj
        return None

    def services(self) -> list[Object]:
        return [
            obj
            for obj in self.objects
            if obj.get("kind") == "Service" and (obj.get("metadata") or {}).get("namespace") in (None, self.namespace)
        ]


def data_of(obj: Object) -> dict[str, str]:
    """A Secret's or ConfigMap's values in clear (in memory only): data (base64 for a Secret),
    stringData, binaryData."""
    found: dict[str, str] = {}
    data = obj.get("data") or {}
    if obj.get("kind") == "Secret" and misplaced_keys(obj):
        data = obj["spec"]  # the guide's mistake, read as meant (the import names it)
    if isinstance(data, dict):
        for key, value in data.items():
            if obj.get("kind") == "Secret":
                found[str(key)] = _b64(value)
            else:
                found[str(key)] = "" if value is None else str(value)
    for key, value in (obj.get("binaryData") or {}).items():
        found[str(key)] = _b64(value)
    if obj.get("kind") == "Secret":
        for key, value in (obj.get("stringData") or {}).items():
            found[str(key)] = "" if value is None else str(value)
    return found


def echo_newline(value: str) -> bool:
    """A one-line value ending in a newline: `echo` without -n before base64 (the guide's mistake,
    read as meant: without it)."""
    return value.endswith("\n") and "\n" not in value[:-1]


def misplaced_keys(secret: Object) -> bool:
    """A Secret whose keys stand under `spec:` (Kubernetes ignores them; the guide wrote them so)."""
    return not secret.get("data") and not secret.get("stringData") and isinstance(secret.get("spec"), dict)


def misplaced_unreadable(secret: Object) -> list[str]:
    """The keys of a Secret's values misplaced under `spec:` that are not base64 (they cannot be
    read as meant)."""
    if secret.get("kind") != "Secret" or not misplaced_keys(secret):
        return []
    return [str(key) for key, value in secret["spec"].items() if not base64_text(value)]


ENCRYPTED = "(encrypted by sops)"


def _b64(value: Any) -> str:
    if sealed(value):
        return ENCRYPTED  # a value of a sops-encrypted Secret, which regc diff never decrypts
    try:
        text = base64.b64decode(str(value or ""), validate=True).decode("utf-8", "replace")
        return text[:-1] if echo_newline(text) else text
    except (binascii.Error, ValueError):
        raise ValueError("a Secret value that is not base64") from None


def _variables(
    lookup: _Lookup, workload: Object, container: Object
) -> tuple[list[tuple[str, str]], dict[str, Source], set[str]]:
    """The container's variables as the kubelet makes them: the Services' links, then envFrom, then
    env (a later one of a name wins), `$(NAME)` expanded."""
    values: dict[str, str] = {}
    sources: dict[str, Source] = {}
    secrets: set[str] = set()
    pod = pod_spec(workload)
    if pod.get("enableServiceLinks", True) is not False:
        for service in lookup.services():
            for name, value in service_links(service).items():
                values[name] = value
                sources[name] = Source("Service", identity(service))
    for source in mappings(container.get("envFrom")):
        prefix = str(source.get("prefix") or "")
        for kind, ref in (("ConfigMap", source.get("configMapRef")), ("Secret", source.get("secretRef"))):
            if not isinstance(ref, dict):
                continue
            obj = lookup.find(kind, ref.get("name"))
            if obj is None:
                if not ref.get("optional"):
                    sources[f"{prefix}*"] = Source(kind, str(ref.get("name")), "(every key)", held=False)
                continue
            for key, value in data_of(obj).items():
                if _ENV_NAME.match(prefix + key):
                    values[prefix + key] = value
                    sources[prefix + key] = Source(kind, str(ref.get("name")), key)
                    if kind == "Secret":
                        secrets.add(value)
    for variable in container.get("env") or []:
        if not isinstance(variable, dict) or not isinstance(variable.get("name"), str):
            continue
        name = variable["name"]
        if "value" in variable or "valueFrom" not in variable:
            values[name] = _expand(str(variable.get("value") if variable.get("value") is not None else ""), values)
            sources[name] = Source("literal")
            continue
        source = mapping(variable.get("valueFrom"))
        for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            ref = source.get(key)
            if not isinstance(ref, dict):
                continue
            obj = lookup.find(kind, ref.get("name"))
            found = data_of(obj).get(str(ref.get("key"))) if obj is not None else None
            origin = Source(kind, str(ref.get("name")), str(ref.get("key")), held=found is not None)
            sources[name] = origin
            values[name] = found if found is not None else origin.token()
            if found is not None and kind == "Secret":
                secrets.add(found)
            break
        else:
            what = "fieldRef" if "fieldRef" in source else "resourceFieldRef"
            sources[name] = Source("pod", f"the pod's {what} {source.get(what)}", held=False)
            values[name] = sources[name].token()
    return list(values.items()), sources, secrets


def _expand(text: str, defined: dict[str, str]) -> str:
    """The kubelet's `$(NAME)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion)."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return defined.get(name, match.group(0))

    return _EXPANSION.sub(one, text)


def service_links(service: Object) -> dict[str, str]:
    """The variables a Service gives every pod of its namespace (kubelet's envvars.FromServices)."""
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") in ("None", ""):
        return {}
    name = str((service.get("metadata") or {}).get("name", "")).upper().replace("-", "_")
    host = str(spec.get("clusterIP") or "10.0.0.1")  # any address: the registry reads only the names
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    if not name or not ports:
        return {}
    found = {f"{name}_SERVICE_HOST": host}
    first = ports[0]
    found[f"{name}_SERVICE_PORT"] = str(first.get("port"))
    for port in ports:
        if port.get("name"):
            found[f"{name}_SERVICE_PORT_{str(port['name']).upper().replace('-', '_')}"] = str(port.get("port"))
    protocol = str(first.get("protocol") or "TCP").lower()
    found[f"{name}_PORT"] = f"{protocol}://{host}:{first.get('port')}"
    for port in ports:
        proto = str(port.get("protocol") or "TCP")
        prefix = f"{name}_PORT_{port.get('port')}_{proto.upper()}"
        found[prefix] = f"{proto.lower()}://{host}:{port.get('port')}"
        found[f"{prefix}_PROTO"] = proto.lower()
        found[f"{prefix}_PORT"] = str(port.get("port"))
        found[f"{prefix}_ADDR"] = host
    return found


class _Mounts:
    """The files of a container's volume mounts."""

    def __init__(self, objects: list[Object], workload: Object, container: Object) -> None:
        self.lookup = _Lookup(objects, (workload.get("metadata") or {}).get("namespace"))
        self.mounts = [m for m in container.get("volumeMounts") or [] if isinstance(m, dict)]
        self.volumes = {v.get("name"): v for v in pod_spec(workload).get("volumes") or [] if isinstance(v, dict)}

    def file(self, path: str) -> FileSource | None:
        """The file at `path`: from the mount that covers it (the deepest), None when none does."""
        best = None
        for mount in self.mounts:
            at = str(mount.get("mountPath", "")).rstrip("/")
            covers = path == at or path.startswith(at + "/")
            if covers and (best is None or len(at) > len(str(best.get("mountPath", "")).rstrip("/"))):
                best = mount
        if best is None:
            return None
        at = str(best.get("mountPath", "")).rstrip("/")
        volume = self.volumes.get(best.get("name")) or {}
        relative = str(best.get("subPath") or "") if path == at else path[len(at) + 1 :]
        if path != at and best.get("subPath"):
            relative = f"{best['subPath']}/{relative}"
        return self._in_volume(path, volume, relative)

    def _in_volume(self, path: str, volume: Object, relative: str) -> FileSource:
        sources: list[tuple[str, Object]] = []
        for kind, key, name_key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
            if isinstance(volume.get(key), dict):
                sources.append((kind, {**volume[key], "name": volume[key].get(name_key)}))
        for item in mappings(mapping(volume.get("projected")).get("sources")):
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if isinstance(item.get(key), dict):
                    sources.append((kind, item[key]))
        if not sources:
            kind = next((k for k in volume if k != "name"), "volume")
            return FileSource(path, "volume", f"a {kind} volume, which the objects do not describe")
        for kind, source in sources:
            obj = self.lookup.find(kind, source.get("name"))
            items = source.get("items")
            key = relative
            if isinstance(items, list) and items:
                mapped = [i for i in items if isinstance(i, dict) and i.get("path") == relative]
                if not mapped:
                    continue
                key = str(mapped[0].get("key"))
            if obj is None:
                return FileSource(path, kind, str(source.get("name")), key)
            data = data_of(obj)
            if key in data:
                return FileSource(path, kind, str(source.get("name")), key, data[key])
        return FileSource(path, "volume", "a mounted volume without such a file", absent=True)
