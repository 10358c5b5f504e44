"""Domain rules checked at compile time: combinations that Kubernetes or the registry would break on."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.envspec.model import Environment

from typing import Any
from urllib.parse import urlsplit

from regc.envspec.parse import LoadedEnvironment
from regc.errors import Problem
from regc.plan.gitops_rules import check_gitops_rules
from regc.plan.names import image_major_version, storage_url
from regc.plan.operations_rules import check_operations_rules
from regc.plan.plan import shared_storage
from regc.plan.store_rules import check_store_rules


def check_rules(env: LoadedEnvironment) -> list[Problem]:
    """Every rule this environment breaks, located in its file."""
    spec = env.spec
    problems: list[Problem] = []
    storage = spec.storage
    volume = getattr(storage, "access_mode", "ReadWriteOnce")
    if spec.registry.replicas > 1 and not shared_storage(spec):
        problems.append(
            Problem(
                env.locate("registry", "replicas"),
                f"registry.replicas: {spec.registry.replicas} replicas cannot share a {volume} volume: it "
                "attaches to one node at a time, so the other pods "
                "never start (or two registries write one filesystem unaware of each other)",
                "set replicas: 1, or use storage.accessMode: ReadWriteMany (CephFS), "
                "or object storage shared by all replicas (storage.driver: s3 or swift)",
            )
        )
    problems.extend(check_storage_rules(env))
    if spec.service.node_port is not None and spec.service.type == "ClusterIP":
        problems.append(
            Problem(
                env.locate("service", "nodePort"),
                "service.nodePort: a ClusterIP Service has no node port",
                "set service.type: NodePort (or LoadBalancer), or remove nodePort",
            )
        )
    problems.extend(check_secret_rules(env))
    problems.extend(_image_pull_problems(env))
    problems.extend(_reference_problems(env))
    problems.extend(check_operations_rules(env, renderable=not problems))
    problems.extend(check_gitops_rules(env))
    problems.extend(check_store_rules(env))
    return problems


def check_secret_rules(env: LoadedEnvironment) -> list[Problem]:
    """Rules of authentication, TLS and pull secrets."""
    spec = env.spec
    problems: list[Problem] = []
    htpasswd = spec.auth.htpasswd
    if htpasswd is not None:
        seen: set[str] = set()
        for index, user in enumerate(htpasswd.users):
            if user in seen:
                problems.append(
                    Problem(
                        env.locate("auth", "htpasswd", "users", index),
                        f"auth.htpasswd.users: {user!r} is listed twice",
                        "remove the repeat",
                    )
                )
            seen.add(user)
        if not spec.tls.enabled and not spec.insecure:
            problems.append(
                Problem(
                    env.locate("tls", "enabled"),
                    "tls.enabled: basic auth without TLS sends every password in clear",
                    "turn TLS on, or set `insecure: true` if you accept that (every client daemon then "
                    "needs `--insecure-registry`)",
                )
            )
    if spec.pull_secrets is not None:
        user = spec.pull_secrets.user
        if htpasswd is None or user not in htpasswd.users:
            problems.append(
                Problem(
                    env.locate("pullSecrets", "user"),
                    f"pullSecrets.user: {user!r} is not one of auth.htpasswd.users",
                    "add the user to auth.htpasswd.users (`regc user add ENV NAME`)",
                )
            )
        if len(set(spec.pull_secrets.namespaces)) != len(spec.pull_secrets.namespaces):
            problems.append(
                Problem(env.locate("pullSecrets", "namespaces"), "pullSecrets.namespaces: a namespace is listed twice")
            )
    if spec.tls.renew_before_days >= spec.tls.validity_days:
        problems.append(
            Problem(
                env.locate("tls", "renewBeforeDays"),
                "tls.renewBeforeDays: must be shorter than tls.validityDays, or every "
                "build would renew the certificate",
            )
        )
    if spec.tls.certificate != "generate" and not spec.tls.enabled:
        problems.append(
            Problem(
                env.locate("tls", "certificate"),
                f"tls.certificate: {spec.tls.certificate}, but TLS is off",
                "set tls.enabled: true",
            )
        )
    problems.extend(_cert_manager_problems(env))
    if spec.tls.certificate == "secret" and not spec.tls.secret_name:
        problems.append(
            Problem(
                env.locate("tls", "certificate"),
                "tls.certificate: secret, but no tls.secretName names the Secret",
                "add tls.secretName: the kubernetes.io/tls Secret holding tls.crt and tls.key",
            )
        )
    if spec.tls.secret_name and spec.tls.certificate != "secret":
        problems.append(
            Problem(
                env.locate("tls", "secretName"),
                f"tls.secretName: set, but tls.certificate is {spec.tls.certificate}",
                "set tls.certificate: secret, or remove tls.secretName",
            )
        )
    return problems


GO_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)")
SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _seconds(duration: str) -> float:
    return sum(float(n) * SECONDS[unit] for n, unit in GO_DURATION_PART.findall(duration))


def _cert_manager_problems(env: LoadedEnvironment) -> list[Problem]:
    """What cert-manager's webhook would refuse, refused here with the field."""
    tls = env.spec.tls
    settings = tls.cert_manager
    if tls.certificate == "cert-manager" and settings is None:
        return [
            Problem(
                env.locate("tls", "certificate"),
                "tls.certificate: cert-manager, but no tls.certManager names the issuer",
                "add tls.certManager.issuer (and issuerKind: ClusterIssuer for a cluster-wide issuer)",
            )
        ]
    if settings is None:
        return []
    if tls.certificate != "cert-manager":
        return [
            Problem(
                env.locate("tls", "certManager"),
                f"tls.certManager: set, but tls.certificate is {tls.certificate}",
                "set tls.certificate: cert-manager, or remove tls.certManager",
            )
        ]
    problems = []
    duration = _seconds(settings.duration) if settings.duration else 90 * 24 * 3600
    if settings.duration and duration < 3600:
        problems.append(
            Problem(env.locate("tls", "certManager", "duration"), "tls.certManager.duration: shorter than 1h")
        )
    if settings.renew_before:
        before = _seconds(settings.renew_before)
        if before < 300 or before >= duration:
            problems.append(
                Problem(
                    env.locate("tls", "certManager", "renewBefore"),
                    "tls.certManager.renewBefore: at least 5m, and shorter than the certificate's lifetime "
                    f"({settings.duration or '90 days'})",
                )
            )
    return problems


def check_storage_rules(env: LoadedEnvironment) -> list[Problem]:
    """Rules of the object stores and the radosgw front."""
    spec = env.spec
    storage = spec.storage
    problems: list[Problem] = []
    major = image_major_version(spec.registry.image)
    if storage.driver == "swift" and (major is None or major >= 3):
        problems.append(
            Problem(
                env.locate("storage", "driver"),
                f"storage.driver: the Swift driver needs a registry:2.x image, not {spec.registry.image!r}: "
                "distribution v3 removed it (distribution PR #3982)",
                "keep registry.image at registry:2.8.x, or move to storage.driver: s3 (radosgw speaks S3 too)",
            )
        )
    if storage.driver in ("swift", "s3") and storage_url(spec) is None:
        key = "authurl" if storage.driver == "swift" else "regionendpoint"
        problems.append(
            Problem(
                env.locate("storage"),
                f"storage.{key}: no URL of the object store",
                f"set storage.{key}, or list the radosgw hosts under radosgw.hosts",
            )
        )
    if spec.radosgw is not None:
        seen: set[str] = set()
        for index, host in enumerate(spec.radosgw.hosts):
            if host in seen:
                problems.append(
                    Problem(
                        env.locate("radosgw", "hosts", index),
                        f"radosgw.hosts: {host} is listed twice",
                        "remove the repeat",
                    )
                )
            seen.add(host)
        front = spec.radosgw
        given = front.model_fields_set
        if front.front == "haproxy" and front.legacy_endpoints:
            problems.append(
                Problem(
                    env.locate("radosgw", "legacyEndpoints"),
                    "radosgw.legacyEndpoints: the haproxy front's Service selects its pods; no Endpoints to write",
                    "set radosgw.front: endpoints, or remove legacyEndpoints",
                )
            )
        for key, field in (("replicas", "replicas"), ("image", "image")):
            if front.front == "endpoints" and field in given:
                problems.append(
                    Problem(
                        env.locate("radosgw", key),
                        f"radosgw.{key}: the endpoints front runs no pods",
                        f"set radosgw.front: haproxy, or remove {key}",
                    )
                )
    if spec.smoke_test.enabled and spec.pull_secrets is None:
        problems.append(
            Problem(
                env.locate("smokeTest", "enabled"),
                "smokeTest.enabled: the smoke test logs in as pullSecrets.user, which is not set",
                "set pullSecrets (user and namespaces), or turn the smoke test off",
            )
        )
    if (
        spec.node_proxy.enabled
        and spec.node_proxy.host_port == 5000
        and spec.service.type == "NodePort"
        and spec.service.node_port == 5000
    ):
        problems.append(Problem(env.locate("nodeProxy", "hostPort"), "nodeProxy.hostPort: clashes with the node port"))
    return problems


def _object_store_identity(spec: Environment) -> tuple[Any, ...]:
    """Which radosgw an environment stores in: behind regc's front, its hosts (two namespaces' fronts
    over the same hosts are one radosgw); otherwise the URL's host and port."""
    storage = spec.storage
    own_url = (
        storage.authurl if storage.driver == "swift" else storage.regionendpoint if storage.driver == "s3" else None
    )
    if own_url is None and spec.radosgw is not None:
        return ("hosts", tuple(sorted(spec.radosgw.hosts)), spec.radosgw.port)
    parts = urlsplit(storage_url(spec) or "")
    return ("url", parts.hostname, parts.port)


def _reference_problems(env: LoadedEnvironment) -> list[Problem]:
    """Values from Secrets of the user's: each reference says where it is, and nothing regc would
    need to know of the value depends on it."""
    spec = env.spec
    problems = []
    storage = spec.storage
    if storage.driver != "filesystem":
        if storage.credentials == "secret" and storage.credentials_secret is None:
            problems.append(
                Problem(
                    env.locate("storage", "credentials"),
                    "storage.credentials: secret, but no storage.credentialsSecret names the Secret",
                    "add storage.credentialsSecret.name (and its keys, if not the defaults)",
                )
            )
        if storage.credentials_secret is not None and storage.credentials != "secret":
            problems.append(
                Problem(
                    env.locate("storage", "credentialsSecret"),
                    f"storage.credentialsSecret: set, but storage.credentials is {storage.credentials}",
                    "set storage.credentials: secret, or remove storage.credentialsSecret",
                )
            )
    proxy, redis = spec.proxy, spec.redis
    both = []
    if proxy is not None and proxy.credentials and proxy.credentials_secret is not None:
        both.append(("proxy", "credentialsSecret", "credentials"))
    if redis is not None and redis.password and redis.password_secret is not None:
        both.append(("redis", "passwordSecret", "password"))
    for section, reference, from_file in both:
        problems.append(
            Problem(
                env.locate(section, reference),
                f"{section}.{reference}: with {section}.{from_file}: true, which reads the secrets file",
                f"keep one source: remove {section}.{from_file} or {section}.{reference}",
            )
        )
    htpasswd = spec.auth.htpasswd
    if htpasswd is not None and htpasswd.secret_ref is not None:
        if htpasswd.users:
            problems.append(
                Problem(
                    env.locate("auth", "htpasswd", "users"),
                    "auth.htpasswd.users: the users are those of the referenced htpasswd Secret",
                    "remove users, or the secretRef to let regc keep them",
                )
            )
        if spec.pull_secrets is not None:
            problems.append(
                Problem(
                    env.locate("pullSecrets"),
                    "pullSecrets: a pull secret holds a user's password, which regc does not know when the "
                    "htpasswd file is a Secret of yours",
                    "keep the users in regc (no auth.htpasswd.secretRef), or make the pull secrets yourself",
                )
            )
    return problems


def _image_pull_problems(env: LoadedEnvironment) -> list[Problem]:
    """The environment's own pull secret exists only in the namespaces it lists: a pod of the
    registry's namespace can pull with it only when that namespace is one of them."""
    spec = env.spec
    own = spec.pull_secrets
    problems = []
    for index, name in enumerate(spec.image_pull_secrets):
        if own is not None and name == own.name and spec.namespace not in own.namespaces:
            problems.append(
                Problem(
                    env.locate("imagePullSecrets", index),
                    f"imagePullSecrets[{index}]: {name!r} is this environment's pull secret, which exists only in "
                    f"{', '.join(own.namespaces)}, not in {spec.namespace}: the pods could not pull",
                    f"add {spec.namespace} to pullSecrets.namespaces, or name a Secret of {spec.namespace}",
                )
            )
    return problems


def check_shared_storage(environments: list[LoadedEnvironment]) -> list[Problem]:
    """One Swift container (or S3 bucket and prefix) serves one registry, one user: sharing it is
    the guide's `401 Unauthorized` panic, and two registries would collect each other's blobs."""
    owners: dict[tuple[Any, ...], LoadedEnvironment] = {}
    problems = []
    for env in environments:
        storage = env.spec.storage
        if storage.driver not in ("swift", "s3"):
            continue
        host = _object_store_identity(env.spec)
        if storage.driver == "swift":
            key: tuple[Any, ...] = ("swift", host, storage.container)
            what, field = f"Swift container {storage.container!r}", "container"
        else:
            key = ("s3", host, storage.bucket, (storage.rootdirectory or "").strip("/"))
            what, field = f"S3 bucket {storage.bucket!r} (same rootdirectory)", "bucket"
        if key in owners:
            other = owners[key]
            problems.append(
                Problem(
                    env.locate("storage", field),
                    f"storage.{field}: the {what} is also used by environment {other.name!r} "
                    f"({other.positions.path}): one container serves one user of one registry; shared, "
                    "the registry fails to start with 401 Unauthorized",
                    f"give each environment its own {field}",
                )
            )
        else:
            owners[key] = env
    return problems
