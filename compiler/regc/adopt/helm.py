"""A values file of the community chart (twuni `docker-registry`) as a regc spec and secrets: each
documented key mapped to its place in the spec, the chart's secrets to the secrets file, and every
other setting reported with its path and why."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from pydantic import SecretStr

from regc.adopt import chart, scheduling
from regc.adopt.config import Loss, map_config
from regc.adopt.imported import Imported
from regc.adopt.runtime import registry_container, runtime
from regc.adopt.shapes import shaped_as
from regc.adopt.values import Taken, Unmapped, dotted, value_at
from regc.adopt.volumes import extra_volume
from regc.distribution.credentials import holds_credential
from regc.envspec import model
from regc.envspec.draft import NOT_GIVEN, data, environment, fill, merge
from regc.envspec.keys import unknown_keys
from regc.errors import InputError
from regc.secrets import htpasswd
from regc.secrets.document import ProxyCredentials, S3Credentials, SecretsFile, SwiftCredentials

# Top-level keys of the chart's values at every version (a file with few of them is another chart's).
# Keys only the registry chart has (image, service and replicaCount are every chart's).
SPECIFIC_KEYS = ("storage", "persistence", "secrets", "configData", "tlsSecretName", "s3", "swift", "proxy")
# The keys an umbrella chart names the registry chart by (its dependency's name or alias).
UMBRELLA_KEYS = ("docker-registry", "dockerRegistry", "registry")
CORE_KEYS = ("image", "storage", "persistence", "secrets", "configData", "service", "ingress", "replicaCount")
# The keys the chart's pods read from a secretRef (templates/_helpers.tpl at 06a26b1, its secretKeyRefs):
# s3AccessKey/s3SecretKey (values.yaml's comment says accessKey/secretKey; the template is what runs),
# proxyUsername/proxyPassword.
S3_SECRET_KEYS = ("s3AccessKey", "s3SecretKey")
PROXY_SECRET_KEYS = ("proxyUsername", "proxyPassword")


# Keys the chart documents without a default in values.yaml, and the shape it reads them in.
DOCUMENTED_SHAPES: dict[tuple[str, ...], type | tuple[type, ...]] = {
    ("imagePullSecrets",): list,
    ("tlsSecretName",): str,
    ("s3",): dict,
    ("swift",): dict,
    ("secrets", "s3"): dict,
    ("secrets", "swift"): dict,
    ("persistence", "storageClass"): str,
    ("persistence", "existingClaim"): str,
    ("persistence", "deleteEnabled"): bool,
    ("ingress", "tls"): list,
}


# Values the chart's templates write whole into its objects (`toYaml`, templates/deployment.yaml,
# ingress.yaml and _helpers.tpl), each as the Kubernetes definition that reads it there.
PASSED_INTO: dict[tuple[str, ...], str] = {
    ("affinity",): "io.k8s.api.core.v1.Affinity",
    ("tolerations",): "io.k8s.api.core.v1.Toleration[]",
    ("resources",): "io.k8s.api.core.v1.ResourceRequirements",
    ("updateStrategy",): "io.k8s.api.apps.v1.DeploymentStrategy",
    ("extraEnvVars",): "io.k8s.api.core.v1.EnvVar[]",
    ("extraVolumeMounts",): "io.k8s.api.core.v1.VolumeMount[]",
    ("extraVolumes",): "io.k8s.api.core.v1.Volume[]",
    ("initContainers",): "io.k8s.api.core.v1.Container[]",
    ("ingress", "tls"): "io.k8s.api.networking.v1.IngressTLS[]",
}


def shaped(values: dict[str, Any], defaults: dict[str, Any]) -> tuple[dict[str, Any], list[Unmapped]]:
    """`values` without the settings that are not in the shape the chart documents (a list where it
    reads a mapping, text where it reads a number...), which are reported instead of misread."""
    clean = deepcopy(values)
    refused: list[Unmapped] = []
    expected: dict[tuple[str, ...], Any] = dict(DOCUMENTED_SHAPES)

    def collect(node: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                expected.setdefault((*prefix, key), type(value) if not isinstance(value, bool) else bool)
                if isinstance(value, dict) and value:
                    collect(value, (*prefix, key))
        elif node is not None:
            expected.setdefault(prefix, type(node))

    collect(defaults, ())
    for version in reversed(chart.versions()):  # a key of other versions keeps its shape (the newest first)
        collect(chart.defaults(version), ())
    for path, shape in sorted(expected.items(), key=lambda item: len(item[0])):
        parent: Any = clean
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent or parent[path[-1]] is None:
            continue
        value = parent[path[-1]]
        wanted = (int, float) if shape in (int, float) else shape
        numeric = shape in (int, float)
        if shape is type(None) or (isinstance(value, wanted) and not (isinstance(value, bool) and numeric)):
            continue
        names = {
            dict: "a mapping",
            list: "a list",
            str: "text",
            bool: "true or false",
            int: "a number",
            float: "a number",
        }
        refused.append(Unmapped(dotted(path), f"must be {names.get(shape, shape.__name__)} as the chart reads it"))
        del parent[path[-1]]
    for path, definition in PASSED_INTO.items():
        wrong = shaped_as(value_at(clean, path), definition)
        for inner, what in wrong:
            where = dotted(path) + (inner if inner.startswith("[") or not inner else f".{inner}")
            said = f"must be {what} as Kubernetes reads it (the chart writes it into its objects)"
            refused.append(Unmapped(where, said))
        if wrong:
            del value_at(clean, path[:-1])[path[-1]]
    return clean, refused


def from_helm_values(values: dict[str, Any], namespace: str, version: str) -> Imported:
    """The import of a values file of a release of chart `version` (its defaults fill what the file
    does not set, as Helm's do)."""
    values, key_notes = _recognise(values, set(chart.defaults(version)) | {key[0] for key in DOCUMENTED_SHAPES})
    imported, shaped = _from_values(values, namespace, version)
    imported.notes[:0] = key_notes
    try:  # the chart renders what is in its shapes; what is not was reported above
        objects = chart.chart_objects(chart.coalesced(shaped, version), version, namespace)
    except chart.ChartError as exc:
        imported.unmapped.append(Unmapped("(values)", f"the chart {version} itself refuses these values: {exc}"))
        imported.complete = False
        return imported
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container = registry_container(deployment)
    if container is not None:
        imported.before = runtime(objects, deployment, container)
    imported.objects = objects
    _from_config(imported)
    return imported


def _from_config(imported: Imported) -> None:
    """What the chart's config.yml says (configData with the chart's variables over it) that no chart
    key mapped: log, headers, health, cache, Redis, notifications, a proxy given in configData..."""
    before = imported.before
    if before is None or before.parsed is None or before.parsed.error is not None or before.major is None:
        return
    spec: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    mapped = map_config(before, spec, secrets, "configData")
    for name in before.parsed.unread:
        imported.unmapped.append(Unmapped(f"configData.{name}", "the registry does not read this key (ignored today)"))
    ours = imported.spec
    # Authentication and TLS given in configData (files mounted through extraVolumes) when no chart
    # key gave them: the registry runs with them, so the spec does too.
    from_config = {"auth": not ours.get("auth"), "tls": (ours.get("tls") or {}).get("enabled") is False}
    for key, value in spec.items():
        if key == "registry":
            fill(ours, {key: value})
        elif key == "storage" and key in ours:  # the chart's storage, with what only configData says
            fill(ours, {key: {name: value[name] for name in ("delete", "readOnly", "redirect") if name in value}})
        elif key in from_config:
            if from_config[key] and (key != "tls" or value.get("enabled", True) is not False):
                ours[key] = value
        elif key == "insecure":
            continue
        elif key not in ours:
            ours[key] = value
    if ours.get("auth") and (ours.get("tls") or {}).get("enabled") is False:
        merge(ours, environment(insecure=True))
    elif (ours.get("tls") or {}).get("enabled", True) is not False:
        ours.pop("insecure", None)
    for key, value in secrets.items():
        if key in ("proxy", "redis", "notifications") or (
            key in ("hashes", "tls", "ca") and key not in imported.secrets
        ):
            imported.secrets.setdefault(key, value)
    imported.leftovers = mapped.leftovers
    imported.losses += [loss for loss in mapped.losses if from_config.get(loss.kind, True)]


def _recognise(values: dict[str, Any], known: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The chart's values, or those of an umbrella chart that nests them under a key (taken, and
    said); another chart's values are refused by name."""
    said = "the values stand under `{}:` (an umbrella chart): regc reads that part"
    for key in UMBRELLA_KEYS:  # the chart's own name first: an umbrella's other keys may look like it
        if isinstance(values.get(key), dict) and _the_charts(values[key], known, strict=True):
            return values[key], [said.format(key)]
    if _the_charts(values, known, strict=False):
        return values, []
    for key, value in values.items():
        if not isinstance(value, dict) or key == "global":  # Helm's global values are every subchart's
            continue
        mostly = sum(k in known for k in value) * 2 > len(value)
        if sum(k in value for k in CORE_KEYS) >= 2 and mostly and _the_charts(value, known, strict=True):
            return value, [said.format(key)]
    others = {
        "expose": "Harbor's chart",
        "externalURL": "Harbor's chart",
        "harborAdminPassword": "Harbor's chart",
        "registryImage": "incubator/docker-registry 0.1 (a different chart, before stable/docker-registry)",
    }
    named = sorted({name for key, name in others.items() if key in values})
    what = f"a values file of {named[0]}" if named else "not a values file of the docker-registry chart"
    keys = ", ".join(sorted(str(k) for k in values)[:8]) or "none"
    raise InputError(
        f"{what} (its top-level keys: {keys})",
        "regc imports the community chart (twuni docker-registry, and stable/docker-registry before it); "
        "for another chart, give the objects it renders to `regc import manifests`",
    )


def _the_charts(values: dict[str, Any], known: set[str], strict: bool) -> bool:
    """Whether `values` read as this chart's: its keys the chart's (most of them, with one only it has,
    or all of them). Under an umbrella's key (`strict`), a key only it has and its `storage` named as
    the chart names it (filesystem, s3...), not a mapping as GitLab's registry subchart has it."""
    if not values:
        return False
    specific = any(key in values for key in SPECIFIC_KEYS)
    if strict:
        return specific and not isinstance(values.get("storage"), (dict, list))
    mostly = sum(key in known for key in values) * 2 > len(values)
    return (specific and (sum(key in values for key in CORE_KEYS) >= 2 or mostly)) or all(k in known for k in values)


def _from_values(values: dict[str, Any], namespace: str, version: str) -> tuple[Imported, dict[str, Any]]:
    defaults = chart.defaults(version)
    user, misshapen = shaped(values, defaults)
    values = chart.coalesced(user, version)  # what the release renders with: the chart's defaults under the file
    taken = Taken(values, defaults)
    taken.unmapped += misshapen
    secrets: dict[str, Any] = {}
    notes: list[str] = []
    losses: list[Loss] = []
    image = taken.take(("image",), "repository", "tag", "pullPolicy")
    chosen = {**defaults.get("image", {}), **image}
    runs = f"{chosen.get('repository')}:{chosen.get('tag')}"
    if "tag" not in (user.get("image") or {}):
        notes.append(f"image.tag is not set: chart {version} runs its default, {runs}; so does the spec")
    pull = taken.get("imagePullSecrets", default=[])
    names = [s.get("name") if isinstance(s, dict) else s for s in pull]
    if names and not all(isinstance(n, str) for n in names):
        taken.refuse(("imagePullSecrets",), "each entry must be a Secret's name, or {name: ...}")
    replicas = taken.get("replicaCount", default=1)
    registry = model.Registry.model_construct(
        image=runs,
        replicas=replicas if replicas != 1 else NOT_GIVEN,  # the default: a shorter spec to review
        resources=_resources(taken),
    )
    policy = image.get("pullPolicy", "IfNotPresent")
    spec = data(
        environment(
            namespace=namespace,
            image_pull_policy=policy if policy != "IfNotPresent" else NOT_GIVEN,
            image_pull_secrets=[str(n) for n in names]
            if names and all(isinstance(n, str) for n in names)
            else NOT_GIVEN,
            registry=registry,
        )
    )
    # Every value read below is in the shape the chart documents (`shaped`, above): each section
    # reads it as it is.
    _storage(taken, spec, secrets, notes, losses)
    _service(taken, spec)
    _ingress(taken, spec, version)
    _auth_and_tls(taken, spec, secrets, notes)
    _proxy(taken, spec, secrets)
    _metrics(taken, spec)
    _scheduling(taken, spec)
    _availability(taken, spec)
    _identity_and_extras(taken, spec, notes)
    taken.used.add(("configData",))  # read as the registry reads it (the chart's config.yml), below
    for path in taken.left():
        taken.refuse(path, "no key of the regc spec says this")
    complete = "storage" in spec
    return Imported(spec, secrets, taken.unmapped, notes, complete, losses=losses), user


def _resources(taken: Taken) -> model.Resources:
    found: dict[str, model.ResourceAmounts] = {}
    for kind in ("requests", "limits"):
        amounts = value_at(taken.data, ("resources", kind)) or {}  # a mapping: PASSED_INTO
        for name in ("cpu", "memory"):
            if name in amounts:
                taken.get("resources", kind, name)
        found[kind] = model.ResourceAmounts.model_construct(
            cpu=str(amounts["cpu"]) if "cpu" in amounts else NOT_GIVEN,
            memory=str(amounts["memory"]) if "memory" in amounts else NOT_GIVEN,
        )
    return model.Resources.model_construct(requests=found["requests"], limits=found["limits"])


def _storage(taken: Taken, spec: dict[str, Any], secrets: dict[str, Any], notes: list[str], losses: list[Loss]) -> None:
    driver = taken.get("storage", default="filesystem")
    if driver == "filesystem":
        persistence = taken.take(("persistence",), "enabled", "size", "storageClass", "accessMode", "deleteEnabled")
        size = persistence.get("size", "10Gi")
        volume = model.FilesystemStorage.model_construct(
            driver="filesystem",
            size=size,
            storage_class_name=persistence["storageClass"]
            if persistence.get("storageClass") not in (None, "-")
            else None,
            access_mode=persistence.get("accessMode", "ReadWriteOnce"),
            delete=True if persistence.get("deleteEnabled") else NOT_GIVEN,
        )
        if persistence.get("existingClaim"):
            taken.refuse(
                ("persistence", "existingClaim"),
                "regc claims its own volume (registry-data); move the images onto it, or copy them to "
                "object storage first",
            )
        if not persistence.get("enabled", False):
            notes.append(
                "persistence.enabled is false: the chart keeps images in an emptyDir, lost when the pod goes; "
                f"regc claims a {size} volume"
            )
        merge(spec, environment(storage=volume))
    elif driver == "s3":
        s3 = taken.take(
            ("s3",),
            "region",
            "regionEndpoint",
            "bucket",
            "rootdirectory",
            "secure",
            "encrypt",
            "forcepathstyle",
            "skipverify",
        )
        if s3.get("encrypt"):
            taken.refuse(("s3", "encrypt"), "server-side encryption is not a key of regc's S3 storage")
        keys = taken.take(("secrets", "s3"), "secretRef", "accessKey", "secretKey")
        reference = None
        if keys.get("secretRef"):
            reference = model.CredentialsSecret.model_construct(
                name=keys["secretRef"], access_key_key=S3_SECRET_KEYS[0], secret_key_key=S3_SECRET_KEYS[1]
            )
        elif keys.get("accessKey") or keys.get("secretKey"):
            given = S3Credentials.model_construct(
                access_key=keys.get("accessKey", ""), secret_key=keys.get("secretKey", "")
            )
            merge(secrets, SecretsFile.model_construct(s3=given))
        else:
            taken.refuse(
                ("secrets", "s3"),
                "no S3 keys (the chart then relies on the node's or pod's cloud identity)",
                "serviceAccount.annotations for the cloud identity, with keys in a Secret of yours "
                "(storage.credentials: secret)",
            )
        bucket = model.S3Storage.model_construct(
            driver="s3",
            bucket=s3.get("bucket", ""),
            region=s3.get("region", "us-east-1"),
            regionendpoint=s3.get("regionEndpoint") or None,
            rootdirectory=s3.get("rootdirectory") or None,
            # The chart passes secure, skipverify and forcepathstyle only when true (its `if`): false is
            # the registry's own default for the last two, and for secure regc derives it from the endpoint.
            secure=True if s3.get("secure") is True else None,
            skipverify=True if s3.get("skipverify") is True else NOT_GIVEN,
            credentials="secret" if reference is not None else "provided",
            credentials_secret=reference,
        )
        merge(spec, environment(storage=bucket))
    elif driver == "swift":
        swift = taken.take(("swift",), "authurl", "container")
        login = taken.take(("secrets", "swift"), "username", "password")
        container = model.SwiftStorage.model_construct(
            driver="swift",
            authurl=swift.get("authurl", ""),
            container=swift.get("container", ""),
            username=login.get("username", ""),
            credentials="provided",
        )
        if login.get("password"):
            merge(
                secrets, SecretsFile.model_construct(swift=SwiftCredentials.model_construct(password=login["password"]))
            )
        merge(spec, environment(storage=container))
    else:
        taken.used.add(("storage",))
        taken.used.add((str(driver),))
        taken.used.add(("secrets", str(driver)))
        losses.append(
            Loss(
                "storage",
                f"storage: {driver}: regc stores on a volume, Swift or S3 (radosgw), not {driver!r} (an S3 endpoint "
                "of the provider, where it has one, can be storage.driver: s3); accepted, the spec stores on a new "
                "volume and the images stay where they are",
            )
        )
        merge(spec, environment(storage=model.FilesystemStorage.model_construct(driver="filesystem")))


def _service(taken: Taken, spec: dict[str, Any]) -> None:
    service = taken.take(
        ("service",),
        "type",
        "port",
        "nodePort",
        "loadBalancerIP",
        "loadBalancerSourceRanges",
        "annotations",
        "labels",
        "name",
    )

    def changed(key: str) -> Any:
        value = service.get(key)
        return value if value not in (None, "", {}, []) and value != taken.defaults["service"].get(key) else NOT_GIVEN

    for key in ("sessionAffinity", "sessionAffinityConfig", "clusterIP"):
        if key in service:
            taken.refuse(("service", key), "regc sets the Service's own")
    if service.get("name", "registry") != "registry":
        taken.refuse(("service", "name"), "regc names the Service after the instance", "instance")
    part = model.Service.model_construct(
        type=changed("type"),
        port=changed("port"),
        node_port=changed("nodePort"),
        load_balancer_ip=changed("loadBalancerIP"),
        load_balancer_source_ranges=changed("loadBalancerSourceRanges"),
        annotations=changed("annotations"),
        labels=changed("labels"),
    )
    merge(spec, environment(service=part))


def _ingress(taken: Taken, spec: dict[str, Any], version: str) -> None:
    ingress = taken.take(("ingress",), "enabled")
    if not ingress.get("enabled"):
        taken.used.add(("ingress",))  # off: the rest of it says nothing
        return
    taken.take(("ingress",), "hosts", "path", "className", "annotations", "tls")
    hosts = list(ingress.get("hosts") or [])
    if not hosts:
        taken.refuse(("ingress", "hosts"), "an Ingress needs a host")
        return
    # `helm get values` gives what was set; the chart's default class is what its Ingress names (before
    # 2.0.0 it names none: the cluster's default class serves it, and regc does not guess which).
    class_name = ingress.get("className") if chart.renders_class_name(version) else None
    annotations = dict(ingress.get("annotations") or {})
    class_name = class_name or annotations.pop("kubernetes.io/ingress.class", None)
    if not class_name:
        taken.refuse(
            ("ingress", "className"),
            "the chart's Ingress names no class here: the cluster's default class serves it, and regc names one",
            "ingress.className (the default class's name)",
        )
    tls = ingress.get("tls") or []
    if tls and not tls[0].get("secretName"):
        taken.refuse(("ingress", "tls", 0), "TLS without a Secret (the controller's default certificate)")
    for index in range(1, len(tls)):
        taken.refuse(("ingress", "tls", index), "regc's Ingress has one TLS Secret for all its hosts")
    if ingress.get("labels"):
        taken.refuse(("ingress", "labels"), "regc labels the Ingress itself", "`labels`, on every object")
    part = model.Ingress.model_construct(
        host=hosts[0],
        hosts=hosts[1:] or NOT_GIVEN,
        path=ingress["path"] if ingress.get("path", "/") != "/" else NOT_GIVEN,
        class_name=class_name or NOT_GIVEN,
        annotations=annotations or NOT_GIVEN,
        tls_secret_name=tls[0].get("secretName") or None if tls else None,
    )
    merge(spec, environment(ingress=part))


def _auth_and_tls(taken: Taken, spec: dict[str, Any], secrets: dict[str, Any], notes: list[str]) -> None:
    shared = taken.get("secrets", "haSharedSecret", default="")
    if shared:
        merge(secrets, SecretsFile.model_construct(http_secret=shared))
    else:
        notes.append("secrets.haSharedSecret is empty: the chart makes a new one at each install; regc generates one")
    lines = [line for line in str(taken.get("secrets", "htpasswd", default="")).splitlines() if line.strip()]
    users = []
    for index, line in enumerate(lines):
        user, _, hashed = line.partition(":")
        if htpasswd.hash_problem(user, hashed) is not None:
            taken.refuse(("secrets", "htpasswd", index), f"{user}: not a bcrypt hash, which the registry needs")
            continue
        users.append(user)
        merge(secrets, SecretsFile.model_construct(hashes={user: SecretStr(hashed)}))
    if users:
        # The chart's pods name this realm (REGISTRY_AUTH_HTPASSWD_REALM in templates/_helpers.tpl).
        entry = model.Htpasswd.model_construct(users=users, realm="Registry Realm")
        merge(spec, environment(auth=model.Auth.model_construct(htpasswd=entry)))
    tls_secret = taken.get("tlsSecretName", default="")
    if tls_secret:
        merge(spec, environment(tls=model.Tls.model_construct(certificate="secret", secret_name=tls_secret)))
    else:
        merge(spec, environment(tls=model.Tls.model_construct(enabled=False)))
        notes.append("no tlsSecretName: the chart serves plain HTTP, and so does the spec (tls.enabled: false)")
        if users:
            merge(spec, environment(insecure=True))
            notes.append("basic auth over HTTP sends passwords in clear: insecure: true says so; turn TLS on soon")


def _proxy(taken: Taken, spec: dict[str, Any], secrets: dict[str, Any]) -> None:
    proxy = taken.take(("proxy",), "enabled")
    if not proxy.get("enabled"):
        taken.used.add(("proxy",))
        return
    taken.take(("proxy",), "remoteurl", "username", "password", "secretRef")
    reference, credentials = None, NOT_GIVEN
    if proxy.get("secretRef"):
        reference = model.LoginSecret.model_construct(
            name=proxy["secretRef"], username_key=PROXY_SECRET_KEYS[0], password_key=PROXY_SECRET_KEYS[1]
        )
    elif proxy.get("username") or proxy.get("password"):
        credentials = True
        login = ProxyCredentials.model_construct(username=proxy.get("username", ""), password=proxy.get("password", ""))
        merge(secrets, SecretsFile.model_construct(proxy=login))
    part = model.Proxy.model_construct(
        remoteurl=proxy.get("remoteurl", "https://registry-1.docker.io"),
        credentials_secret=reference,
        credentials=credentials,
    )
    merge(spec, environment(proxy=part))


def _metrics(taken: Taken, spec: dict[str, Any]) -> None:
    metrics = taken.take(("metrics",), "enabled")
    if not metrics.get("enabled"):
        taken.used.add(("metrics",))
        return
    taken.take(("metrics",), "port")
    taken.take(("metrics", "serviceMonitor"), "enabled", "labels")
    taken.take(("metrics", "prometheusRule"), "enabled", "labels")
    monitor = metrics.get("serviceMonitor") or {}
    rule = metrics.get("prometheusRule") or {}
    part = model.Metrics.model_construct(
        enabled=True,
        port=metrics.get("port", 5001),
        service_monitor=bool(monitor.get("enabled")),
        prometheus_rule=bool(rule.get("enabled")),
        labels={**(monitor.get("labels") or {}), **(rule.get("labels") or {})} or NOT_GIVEN,
    )
    if rule.get("rules"):
        taken.refuse(
            ("metrics", "prometheusRule", "rules"),
            "regc writes its own alerts; the chart's rules are in its own format",
            "metrics.extraRules (a list of Prometheus rules)",
        )
    merge(spec, environment(metrics=part))


def _scheduling(taken: Taken, spec: dict[str, Any]) -> None:
    # Both are in Kubernetes' shapes (PASSED_INTO): what the spec cannot say of them is refused by path.
    tolerations, left = scheduling.tolerations(taken.get("tolerations", default=[]))
    affinity, more = scheduling.node_affinity(taken.get("affinity", default={}))
    for path, reason, instead in left + more:
        taken.refuse(path, reason, instead)
    part = model.Scheduling.model_construct(
        priority_class_name=taken.get("priorityClassName", default="") or NOT_GIVEN,
        node_selector=taken.get("nodeSelector", default={}) or NOT_GIVEN,
        tolerations=tolerations or NOT_GIVEN,
        node_affinity=affinity,
    )
    merge(spec, environment(scheduling=part))


def _availability(taken: Taken, spec: dict[str, Any]) -> None:
    budget = taken.get("podDisruptionBudget", default={})
    scaling = taken.take(("autoscaling",), "enabled")
    auto = None
    if not scaling.get("enabled"):
        taken.used.add(("autoscaling",))
    else:
        taken.take(
            ("autoscaling",),
            "minReplicas",
            "maxReplicas",
            "targetCPUUtilizationPercentage",
            "targetMemoryUtilizationPercentage",
            "behavior",
        )
        auto = model.Autoscaling.model_construct(
            enabled=True,
            min_replicas=scaling.get("minReplicas", 1),
            max_replicas=scaling.get("maxReplicas", 2),
            target_cpu_utilization=scaling.get("targetCPUUtilizationPercentage", 60),
            target_memory_utilization=scaling.get("targetMemoryUtilizationPercentage") or None,
            behavior=scaling.get("behavior") or None,
        )
    strategy = taken.get("updateStrategy", default={})
    rolling = strategy.get("rollingUpdate") or {}
    whole = all(isinstance(rolling.get(k, 0), int) for k in ("maxSurge", "maxUnavailable"))
    if rolling and not whole:
        taken.refuse(("updateStrategy", "rollingUpdate"), "regc takes whole pods, not percentages")
    for key in rolling:
        if key not in ("maxSurge", "maxUnavailable"):
            taken.refuse(("updateStrategy", "rollingUpdate", key), "a Deployment's rolling update has no such field")
    if strategy.get("type") == "Recreate":
        taken.refuse(("updateStrategy", "type"), "regc chooses Recreate itself where a ReadWriteOnce volume needs it")
    part = model.Availability.model_construct(
        pod_disruption_budget=(
            model.DisruptionBudget.model_construct(
                enabled=True,
                max_unavailable=budget.get("maxUnavailable", NOT_GIVEN),
                min_available=budget.get("minAvailable", NOT_GIVEN),
            )
            if budget
            else NOT_GIVEN
        ),
        autoscaling=auto or NOT_GIVEN,
        rolling_update=(
            model.RollingUpdate.model_construct(
                max_surge=rolling.get("maxSurge", NOT_GIVEN), max_unavailable=rolling.get("maxUnavailable", NOT_GIVEN)
            )
            if rolling and whole
            else NOT_GIVEN
        ),
    )
    merge(spec, environment(availability=part))


def _identity_and_extras(taken: Taken, spec: dict[str, Any], notes: list[str]) -> None:
    account = taken.take(("serviceAccount",), "create", "name", "annotations")
    identity = model.ServiceAccount.model_construct(
        name=account.get("name") or None, annotations=account.get("annotations") or NOT_GIVEN
    )
    merge(spec, environment(service_account=identity))
    env: dict[str, Any] = {}
    for index, variable in enumerate(taken.get("extraEnvVars", default=[])):  # EnvVar[]: PASSED_INTO
        if variable["name"].startswith("REGISTRY_"):
            continue  # the registry's own configuration: read with the rest of it (configData and the chart's)
        if "value" in variable and holds_credential(variable["name"].lower()):
            taken.refuse(
                ("extraEnvVars", index),
                f"{variable['name']}: a credential in clear in the Deployment",
                "extras.env with valueFrom (a Secret of yours)",
            )
        elif "value" in variable:
            env[variable["name"]] = str(variable["value"])
        elif variable.get("valueFrom"):
            source = _env_source(variable["valueFrom"])
            given: dict[str, Any] = {"X": {"valueFrom": source}}  # its keys as read: judged below
            wrong = unknown_keys(data(environment(extras=model.Extras.model_construct(env=given))))
            if wrong:
                said = ", ".join(path.split(".valueFrom.", 1)[-1] for path in wrong)
                taken.refuse(
                    ("extraEnvVars", index, "valueFrom"),
                    f"regc's variables take a key of a Secret or ConfigMap, or a pod field: {said} has no place",
                )
            else:
                env[variable["name"]] = {"valueFrom": source}
    # extraVolumeMounts and extraVolumes are in Kubernetes' shapes (PASSED_INTO).
    mounts = {mount["name"]: mount for mount in taken.get("extraVolumeMounts", default=[])}
    volumes: list[model.ExtraVolume] = []
    for index, volume in enumerate(taken.get("extraVolumes", default=[])):
        mount = mounts.get(volume["name"])
        if mount is None:
            taken.refuse(("extraVolumes", index), "a volume no container mounts")
            continue
        entry, why = extra_volume(volume, mount)
        if entry is None:
            taken.refuse(("extraVolumes", index), why)
        else:
            volumes.append(entry)
    extras = model.Extras.model_construct(
        pod_annotations=taken.get("podAnnotations", default={}) or NOT_GIVEN,
        pod_labels=taken.get("podLabels", default={}) or NOT_GIVEN,
        env=env or NOT_GIVEN,
        volumes=volumes or NOT_GIVEN,
    )
    merge(spec, environment(extras=extras))
    if taken.get("initContainers", default=[]):
        taken.refuse(("initContainers",), "regc's pod has no init containers")
    if taken.take(("garbageCollect",), "enabled").get("enabled"):
        taken.refuse(
            ("garbageCollect",),
            "garbage collection must not run while the registry takes pushes; regc documents it as a procedure",
            "the garbage collection how-to",
        )
    contexts = ("containerSecurityContext", "securityContext")
    for key in contexts:
        taken.get(key)
    if any(key in taken.data and taken.data[key] != taken.defaults.get(key) for key in contexts):
        notes.append("regc runs the registry with its own restricted security context (Pod Security: restricted)")
    if value_at(taken.data, ("deployment", "annotations")):
        taken.refuse(("deployment", "annotations"), "regc annotates the Deployment itself", "extras.podAnnotations")


def _env_source(source: dict[str, Any]) -> dict[str, Any]:
    """A variable's valueFrom without what the API server fills in (a fieldRef's apiVersion v1)."""
    field = source.get("fieldRef")
    if isinstance(field, dict) and field.get("apiVersion") in (None, "v1"):
        return {**source, "fieldRef": {k: v for k, v in field.items() if k != "apiVersion"}}
    return source
