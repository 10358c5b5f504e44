"""The registry as it runs today against the one regc builds from the import: their effective
configurations (each read as the registry reads it) and the objects around them (replicas, image,
Service, Ingress, volume, pull secrets). Every difference is the same meaning, a choice of regc's
named with why, or a loss; no value of a credential is ever shown."""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from regc.adopt.chart import RANDOM_SECRET
from regc.adopt.compiled import GENERATED, IN_STORE
from regc.adopt.runtime import (
    CLASS_ANNOTATION,
    ENCRYPTED,
    Object,
    Runtime,
    identity,
    ingress_class,
    mapping,
    mappings,
    pod_spec,
    routed,
)
from regc.distribution import parser, yamlv2
from regc.distribution.credentials import holds_credential

# What the registry does when a key is absent (distribution's source: handlers/app.go for upload
# purging, the storage drivers' FromParameters for their defaults): absent and these are one meaning.
ABSENT_MEANS: dict[str, Any] = {
    "storage.maintenance.uploadpurging.enabled": True,
    "storage.maintenance.uploadpurging.age": 168 * 3600 * 10**9,
    "storage.maintenance.uploadpurging.interval": 24 * 3600 * 10**9,
    "storage.maintenance.uploadpurging.dryrun": False,
    "storage.redirect.disable": False,
    "storage.s3.secure": True,
    "storage.s3.v4auth": True,
    "storage.s3.skipverify": False,
    "storage.swift.insecureskipverify": False,
    "log.formatter": "text",
    "storage.delete.enabled": False,
    "storage.maintenance.readonly.enabled": False,
}
# Durations inside driver parameters (text there, not typed by the configuration).
PARAMETER_DURATIONS = ("storage.maintenance.uploadpurging.age", "storage.maintenance.uploadpurging.interval")
# Keys that name a file or directory: compared by what the file holds, not where it is mounted.
FILE_KEYS = ("http.tls.certificate", "http.tls.key", "auth.htpasswd.path")
DATA_DIRECTORY = "storage.filesystem.rootdirectory"
# regc's own choices, by the key they touch, with why: shown as changes, not losses.
CHOICES: dict[str, str] = {
    "http.draintimeout": "regc lets requests in flight finish when a pod stops (availability."
    "terminationGracePeriodSeconds, less preStopSleepSeconds and 5 s)",
    "storage.redirect.disable": "regc serves blobs through the registry, not by redirecting clients to the object "
    "store (storage.redirect: true redirects)",
    "storage.s3.forcepathstyle": "regc addresses buckets by path, as radosgw and MinIO need",
    "storage.s3.secure": "regc derives it from the endpoint's scheme (storage.secure sets it)",
    "storage.s3.region": "regc names a region (storage.region), as the S3 driver requires",
    "storage.swift.authversion": "regc asks for Swift v1 auth, radosgw's (storage.authversion)",
    "storage.cache.blobdescriptor": "regc keeps the blob descriptor cache in memory by default "
    "(registry.blobDescriptorCache: none turns it off)",
    "health.storagedriver": "regc checks the storage driver every 10 s by default (registry.healthCheck)",
    "log.fields": "regc's logs carry service: registry",
    "log.level": "regc logs at info by default (registry.logLevel)",
    "http.headers": "regc sends X-Content-Type-Options: nosniff by default (registry.headers)",
    "http.addr": "regc's registry listens on 5000; clients keep the Service's port (service.port)",
    "http.debug": "regc runs the debug server only for metrics (metrics.enabled)",
    "storage.maintenance.uploadpurging": "regc purges abandoned uploads as the registry does by default "
    "(uploadPurging)",
    "storage.tag": "regc leaves tag lookups at the registry's default concurrency",
    "http.relativeurls": "regc answers with absolute URLs",
    "redis.dialtimeout": "regc gives Redis calls a timeout (redis.dialTimeout, readTimeout, writeTimeout)",
    "redis.readtimeout": "regc gives Redis calls a timeout (redis.dialTimeout, readTimeout, writeTimeout)",
    "redis.writetimeout": "regc gives Redis calls a timeout (redis.dialTimeout, readTimeout, writeTimeout)",
}
SECURITY = {
    "auth": "auth",
    "http.tls": "tls",
    "storage.s3.regionendpoint": "storage",
    "storage.swift.authurl": "storage",
}


@dataclass(frozen=True)
class Difference:
    """One difference: where, the value today, the value under regc (either shown safely), why, and
    `kind`: change (a choice of regc's, named), loss (the input does something regc will not), or
    security (authentication, TLS or where credentials are sent would be lost)."""

    where: str
    before: str
    after: str
    reason: str
    kind: str
    security: str = ""  # with kind security: what is lost (auth, tls or storage), as --accept-loss names it

    def line(self) -> str:
        return f"{self.where}: {self.before} -> {self.after}: {self.reason}"


def config_differences(before: Runtime, after: Runtime) -> list[Difference]:
    """The effective configurations, key by key. A credential of a sops-encrypted Secret (regc diff
    does not decrypt) is the same as any credential the other side holds: compared by presence."""
    assert before.parsed is not None and after.parsed is not None
    assert before.major is not None and after.major is not None
    old = _flat(_comparable(before), before.major)
    new = _flat(_comparable(after), after.major)
    secrets = before.secret_values | after.secret_values
    found = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        if _same(key, was, now) or (ENCRYPTED in (was, now) and None not in (was, now)):
            continue
        found.append(_classify(key, was, now, secrets))
    if before.major != after.major:
        found.append(
            Difference(
                "registry version", f"{before.major}.x", f"{after.major}.x", "the image's major version changes", "loss"
            )
        )
    return found


def _comparable(run: Runtime) -> dict[str, Any]:
    """The configuration with files read for what they hold and the data directory made one."""
    assert run.parsed is not None and run.major is not None
    config = parser.canonical_config(run.parsed.config, run.major)
    for dotted in FILE_KEYS:
        path = dotted.split(".")
        node: Any = config
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(path[-1]):
            found = run.file(str(node[path[-1]]))
            text = found.text if found is not None else None
            node[path[-1]] = _content(found.origin if found is not None else "nothing", text)
    filesystem = (config.get("storage") or {}).get("filesystem")
    if isinstance(filesystem, dict):
        filesystem.pop("rootdirectory", None)  # the data volume is compared as an object
    return config


def _content(origin: str, text: str | None) -> str:
    if text is None:
        return f"(the file from {origin}, not among the objects)"
    if text in (GENERATED, ENCRYPTED, IN_STORE):
        return text
    lines = sorted(line.strip() for line in text.splitlines() if line.strip())  # htpasswd: order is no meaning
    return "file sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _flat(config: dict[str, Any], major: int) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, list) and node and any(isinstance(item, (dict, list)) for item in node):
            for index, value in enumerate(node):  # a list of mappings (notification endpoints): item by item
                walk(value, f"{prefix}[{index}]")
        else:
            found[prefix] = node

    walk(config, "")
    for key in PARAMETER_DURATIONS:
        if isinstance(found.get(key), str):
            with contextlib.suppress(ValueError):
                found[key] = yamlv2.parse_duration(found[key])
    return {k: v for k, v in found.items() if v not in ({}, None)}


# The same for a notification endpoint (notifications/endpoint.go, EndpointConfig.defaults).
ENDPOINT_ABSENT_MEANS = {"timeout": 10**9, "threshold": 10, "backoff": 10**9}
_ENDPOINT_KEY = re.compile(r"^notifications\.endpoints\[\d+\]\.(\w+)$")


def _absent_means(key: str) -> Any:
    match = _ENDPOINT_KEY.match(key)
    if match is not None and match.group(1) in ENDPOINT_ABSENT_MEANS:
        return ENDPOINT_ABSENT_MEANS[match.group(1)]
    return ABSENT_MEANS.get(key, object())


def _same(key: str, was: Any, now: Any) -> bool:
    if was == now:
        return True
    absent = _absent_means(key)
    if (was is None and now == absent) or (now is None and was == absent):
        return True
    if key == "http.addr" and isinstance(was, str) and isinstance(now, str):
        return was.removeprefix("0.0.0.0") == now.removeprefix("0.0.0.0")
    return False


def _classify(key: str, was: Any, now: Any, secrets: set[str]) -> Difference:
    before, after = _shown(key, was, secrets), _shown(key, now, secrets)
    where = f"config.yml {key}"
    for prefix, kind in SECURITY.items():
        if key == prefix or key.startswith(prefix + "."):
            if was is not None and now is None:
                reason = f"the registry would lose its {kind} setting"
                return Difference(where, before, after, reason, "security", kind)
            if kind == "storage" and was is not None:
                reason = "the registry would send its credentials to another endpoint"
                return Difference(where, before, after, reason, "security", kind)
    if now == IN_STORE:
        reason = "the value moves to the store (the notes say where), where regc's ExternalSecret reads it"
        return Difference(where, before, after, reason, "change")
    if key == "http.secret" and was in (None, RANDOM_SECRET) and now in (GENERATED, ENCRYPTED):
        return Difference(
            where,
            before,
            after,
            "the input shares no HTTP secret (each pod makes its own, and uploads fail across replicas); regc "
            "generates one at the first build",
            "change",
        )
    for prefix, reason in CHOICES.items():
        if key == prefix or key.startswith(prefix + "."):
            return Difference(where, before, after, reason, "change")
    if was is not None and now is None:
        return Difference(where, before, after, "the spec does not carry this setting", "loss")
    if was is None:
        return Difference(where, before, after, "regc sets this and the input does not", "loss")
    return Difference(where, before, after, "regc would run it otherwise", "loss")


def _shown(key: str, value: Any, secrets: set[str]) -> str:
    if value is None:
        return "(unset)"
    if value in (GENERATED, IN_STORE) or (
        isinstance(value, str) and value.startswith(("file sha256:", "(the file from"))
    ):
        return str(value) if not str(value).startswith("file sha256:") else "(a file)"
    if str(value) in secrets or holds_credential(key):
        return "(secret)"
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and key.endswith(("interval", "age", "timeout", "ttl", "backoff"))
    ):
        return yamlv2.format_duration(value)
    text = str(value)
    return text if len(text) <= 80 and "\n" not in text else text.splitlines()[0][:77] + "..."


def object_differences(
    before: list[Object], before_workload: Object, after: list[Object], pulls: list[str]
) -> list[Difference]:
    """The objects around the registry: replicas, image, Service, Ingress, volume, pull secrets
    (`pulls`: namespace/name of the pull secrets regc writes)."""
    found: list[Difference] = []
    deployment = next((o for o in after if o.get("kind") == "Deployment"), {})
    old_replicas = 1 if before_workload.get("kind") == "Pod" else (before_workload.get("spec") or {}).get("replicas", 1)
    autoscaled = any(o.get("kind") == "HorizontalPodAutoscaler" for o in after)
    new_replicas = (deployment.get("spec") or {}).get("replicas", 1)
    if old_replicas != new_replicas and not autoscaled:
        found.append(
            Difference("replicas", str(old_replicas), str(new_replicas), "regc would run another number", "loss")
        )
    old_images = [str(c.get("image")) for c in pod_spec(before_workload).get("containers") or []]
    new_image = str((pod_spec(deployment).get("containers") or [{}])[0].get("image"))
    if new_image not in old_images:
        found.append(Difference("image", ", ".join(old_images), new_image, "regc would run another image", "loss"))
    found += _service(before, before_workload, after)
    found += _ingress(before, before_workload, after)
    found += _volume(before, before_workload, after)
    found += _pull_secrets(before, pulls)
    return found


def _selected(workload: Object, services: list[Object]) -> list[Object]:
    labels = (
        (workload.get("metadata") or {}).get("labels")
        if workload.get("kind") == "Pod"
        else (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")
    ) or {}
    return [
        s
        for s in services
        if (s.get("spec") or {}).get("selector")
        and all(labels.get(k) == v for k, v in ((s.get("spec") or {}).get("selector") or {}).items())
    ]


def _service(before: list[Object], workload: Object, after: list[Object]) -> list[Difference]:
    old = _selected(workload, [o for o in before if o.get("kind") == "Service"])
    new = next(
        (o for o in after if o.get("kind") == "Service" and (o.get("metadata") or {}).get("name") == _main(after)), None
    )
    if not old or new is None:
        return []
    found = []
    service = old[0]
    where = identity(service)
    was, now = service.get("spec") or {}, new.get("spec") or {}
    if was.get("type", "ClusterIP") != now.get("type", "ClusterIP"):
        found.append(
            Difference(
                f"{where} type",
                str(was.get("type", "ClusterIP")),
                str(now.get("type")),
                "regc exposes it otherwise",
                "loss",
            )
        )
    old_ports = sorted(str(p.get("port")) for p in was.get("ports") or [] if isinstance(p, dict))
    new_ports = sorted(str(p.get("port")) for p in now.get("ports") or [] if isinstance(p, dict))
    if old_ports != new_ports:
        found.append(
            Difference(f"{where} ports", str(old_ports), str(new_ports), "clients would find other ports", "loss")
        )
    old_nodes = sorted(str(p["nodePort"]) for p in was.get("ports") or [] if isinstance(p, dict) and p.get("nodePort"))
    new_nodes = sorted(str(p["nodePort"]) for p in now.get("ports") or [] if isinstance(p, dict) and p.get("nodePort"))
    if old_nodes and old_nodes != new_nodes:
        found.append(
            Difference(
                f"{where} nodePort", str(old_nodes), str(new_nodes), "clients would find another node port", "loss"
            )
        )
    return found


def _main(after: list[Object]) -> str:
    deployment = next((o for o in after if o.get("kind") == "Deployment"), {})
    return str((deployment.get("metadata") or {}).get("name"))


def _ingress(before: list[Object], workload: Object, after: list[Object]) -> list[Difference]:
    """Each Ingress that routes to the registry today against regc's (matched by their hosts)."""
    new = next((o for o in after if o.get("kind") == "Ingress"), None)
    old_all = [
        i for s in _selected(workload, [o for o in before if o.get("kind") == "Service"]) for i in routed(before, s)
    ]
    if not old_all:
        if new is None:
            return []
        return [Difference(identity(new), "(none)", ", ".join(_hosts(new)), "regc would add an Ingress", "loss")]
    found = []
    for old in old_all:
        where = identity(old)
        if new is None or not set(_hosts(old)) & set(_hosts(new)):
            lost = "security" if _tls(old) else "loss"
            found.append(
                Difference(
                    where, ", ".join(_hosts(old)), "(none)", "clients outside the cluster would lose it", lost, "tls"
                )
            )
            continue
        found += _one_ingress(old, new, where)
    return found


def _one_ingress(old: Object, new: Object, where: str) -> list[Difference]:
    found = []
    if sorted(_hosts(old)) != sorted(_hosts(new)):
        found.append(
            Difference(f"{where} hosts", ", ".join(_hosts(old)), ", ".join(_hosts(new)), "other hosts", "loss")
        )
    if ingress_class(old) != ingress_class(new):
        found.append(
            Difference(
                f"{where} class",
                str(ingress_class(old)),
                str(ingress_class(new)),
                "another controller would serve it",
                "loss",
            )
        )
    old_tls, new_tls = _tls(old), _tls(new)
    if old_tls != new_tls:
        kind = "security" if old_tls and not new_tls else "loss"
        found.append(
            Difference(
                f"{where} TLS",
                str(old_tls or "(none)"),
                str(new_tls or "(none)"),
                "clients would see another certificate",
                kind,
                "tls",
            )
        )
    old_notes = {
        k: v for k, v in mapping(mapping(old.get("metadata")).get("annotations")).items() if k != CLASS_ANNOTATION
    }
    new_notes = {
        k: v for k, v in mapping(mapping(new.get("metadata")).get("annotations")).items() if k != CLASS_ANNOTATION
    }
    for key in sorted(set(old_notes) | set(new_notes)):
        if str(old_notes.get(key)) == str(new_notes.get(key)):
            continue
        if key not in old_notes and key.startswith("nginx.ingress.kubernetes.io/"):
            reason = "regc's Ingress on ingress-nginx takes large layer pushes"
            kind = "change"
        else:
            reason, kind = "another annotation", "loss"
        found.append(
            Difference(
                f"{where} annotation {key}",
                str(old_notes.get(key, "(unset)")),
                str(new_notes.get(key, "(unset)")),
                reason,
                kind,
            )
        )
    return found


def _hosts(ingress: Object) -> list[str]:
    return [str(r.get("host")) for r in mappings(mapping(ingress.get("spec")).get("rules")) if r.get("host")]


def _tls(ingress: Object) -> list[tuple[str, ...]]:
    return sorted(
        (str(t.get("secretName")), *sorted(str(h) for h in t.get("hosts") or []))
        for t in mappings(mapping(ingress.get("spec")).get("tls"))
    )


def _pull_secrets(before: list[Object], pulls: list[str]) -> list[Difference]:
    old = sorted(_named(o) for o in before if o.get("type") == "kubernetes.io/dockerconfigjson")
    new = sorted(pulls)
    if not old or old == new:
        return []
    return [
        Difference(
            "pull secrets",
            ", ".join(old),
            ", ".join(new) or "(none)",
            "the namespaces that pull would find other Secrets",
            "loss",
        )
    ]


def _volume(before: list[Object], workload: Object, after: list[Object]) -> list[Difference]:
    """The data volume's size, class and access mode (the images themselves stay where they are:
    the import's notes say so)."""
    claims = {(o.get("metadata") or {}).get("name"): o for o in before if o.get("kind") == "PersistentVolumeClaim"}
    templates = (workload.get("spec") or {}).get("volumeClaimTemplates") or []
    old = None
    for volume in mappings(pod_spec(workload).get("volumes")):
        name = mapping(volume.get("persistentVolumeClaim")).get("claimName")
        if isinstance(name, str) and name in claims:
            old = claims[name]
    old = old or (templates[0] if templates else None)
    new = next((o for o in after if o.get("kind") == "PersistentVolumeClaim"), None)
    if old is None or new is None:
        return []
    found = []
    for what in ("size", "storage class", "access mode"):
        was, now = _claim_field(old, what), _claim_field(new, what)
        if was is not None and str(was) != str(now):
            found.append(Difference(f"{identity(old)} {what}", str(was), str(now), "the volume would differ", "loss"))
    return found


def _claim_field(claim: Object, what: str) -> Any:
    body = claim.get("spec") or {}
    if what == "size":
        return ((body.get("resources") or {}).get("requests") or {}).get("storage")
    if what == "storage class":
        return body.get("storageClassName")
    return (body.get("accessModes") or [None])[0]


def _named(obj: Object) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or '(namespace)'}/{meta.get('name')}"
