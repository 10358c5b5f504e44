"""Domain rules checked at compile time: combinations that Kubernetes or the registry would break on."""

from __future__ import annotations

from regc.errors import Problem
from regc.spec.parse import LoadedEnvironment


def check_rules(env: LoadedEnvironment) -> list[Problem]:
    """Every rule this environment breaks, located in its file."""
    spec = env.spec
    problems: list[Problem] = []
    storage = spec.storage
    if spec.registry.replicas > 1 and storage.driver == "filesystem" and storage.access_mode != "ReadWriteMany":
        problems.append(Problem(
            env.locate("registry", "replicas"),
            f"registry.replicas: {spec.registry.replicas} replicas cannot share a "
            f"{storage.access_mode} volume: it attaches to one node at a time, so the other pods "
            "never start (or two registries write one filesystem unaware of each other)",
            "set replicas: 1, or use storage.accessMode: ReadWriteMany (CephFS), "
            "or object storage shared by all replicas (storage.driver: s3 or swift)"))
    problems.extend(check_storage_rules(env))
    if spec.service.node_port is not None and spec.service.type == "ClusterIP":
        problems.append(Problem(
            env.locate("service", "nodePort"),
            "service.nodePort: a ClusterIP Service has no node port",
            "set service.type: NodePort (or LoadBalancer), or remove nodePort"))
    problems.extend(check_secret_rules(env))
    problems.extend(check_operations_rules(env, renderable=not problems))
    if spec.gitops.engine != "none" and not spec.gitops.repo_url:
        problems.append(Problem(env.locate("gitops", "engine"),
                                f"gitops.repoURL: {spec.gitops.engine} needs the Git repository that holds this tree",
                                "set gitops.repoURL, e.g. https://github.com/acme/registry-gitops.git"))
    if spec.gitops.application_set and spec.gitops.engine != "argocd":
        problems.append(Problem(env.locate("gitops", "applicationSet"),
                                "gitops.applicationSet: an ApplicationSet is Argo CD's",
                                "set gitops.engine: argocd, or remove applicationSet"))
    if spec.gitops.application_set and spec.gitops.path:
        problems.append(Problem(env.locate("gitops", "path"),
                                "gitops.path: the ApplicationSet generates one Application per overlays/<env> folder",
                                "remove gitops.path, or set applicationSet: false for an Application of its own"))
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
                problems.append(Problem(env.locate("auth", "htpasswd", "users", index),
                                        f"auth.htpasswd.users: {user!r} is listed twice", "remove the repeat"))
            seen.add(user)
        if not spec.tls.enabled and not spec.insecure:
            problems.append(Problem(
                env.locate("tls", "enabled"),
                "tls.enabled: basic auth without TLS sends every password in clear",
                "turn TLS on, or set `insecure: true` if you accept that (every client daemon then "
                "needs `--insecure-registry`)"))
    if spec.pull_secrets is not None:
        user = spec.pull_secrets.user
        if htpasswd is None or user not in htpasswd.users:
            problems.append(Problem(env.locate("pullSecrets", "user"),
                                    f"pullSecrets.user: {user!r} is not one of auth.htpasswd.users",
                                    "add the user to auth.htpasswd.users (`regc user add ENV NAME`)"))
        if len(set(spec.pull_secrets.namespaces)) != len(spec.pull_secrets.namespaces):
            problems.append(Problem(env.locate("pullSecrets", "namespaces"),
                                    "pullSecrets.namespaces: a namespace is listed twice"))
    if spec.tls.renew_before_days >= spec.tls.validity_days:
        problems.append(Problem(env.locate("tls", "renewBeforeDays"),
                                "tls.renewBeforeDays: must be shorter than tls.validityDays, or every "
                                "build would renew the certificate"))
    if spec.tls.certificate == "provided" and not spec.tls.enabled:
        problems.append(Problem(env.locate("tls", "certificate"),
                                "tls.certificate: provided, but TLS is off", "set tls.enabled: true"))
    return problems


def check_storage_rules(env: LoadedEnvironment) -> list[Problem]:
    """Rules of the object stores and the radosgw front."""
    from regc.plan.names import image_major_version, storage_url

    spec = env.spec
    storage = spec.storage
    problems: list[Problem] = []
    major = image_major_version(spec.registry.image)
    if storage.driver == "swift" and (major is None or major >= 3):
        problems.append(Problem(
            env.locate("storage", "driver"),
            f"storage.driver: the Swift driver needs a registry:2.x image, not {spec.registry.image!r}: "
            "distribution v3 removed it (distribution PR #3982)",
            "keep registry.image at registry:2.8.x, or move to storage.driver: s3 (radosgw speaks S3 too)"))
    if storage.driver in ("swift", "s3") and storage_url(spec) is None:
        key = "authurl" if storage.driver == "swift" else "regionendpoint"
        problems.append(Problem(env.locate("storage"), f"storage.{key}: no URL of the object store",
                                f"set storage.{key}, or list the radosgw hosts under radosgw.hosts"))
    if spec.radosgw is not None:
        seen: set[str] = set()
        for index, host in enumerate(spec.radosgw.hosts):
            if host in seen:
                problems.append(Problem(env.locate("radosgw", "hosts", index),
                                        f"radosgw.hosts: {host} is listed twice", "remove the repeat"))
            seen.add(host)
    if spec.smoke_test.enabled and spec.pull_secrets is None:
        problems.append(Problem(env.locate("smokeTest", "enabled"),
                                "smokeTest.enabled: the smoke test logs in as pullSecrets.user, which is not set",
                                "set pullSecrets (user and namespaces), or turn the smoke test off"))
    if spec.node_proxy.enabled and spec.node_proxy.host_port == 5000 and spec.service.type == "NodePort" \
            and spec.service.node_port == 5000:
        problems.append(Problem(env.locate("nodeProxy", "hostPort"), "nodeProxy.hostPort: clashes with the node port"))
    return problems


def _object_store_identity(spec) -> tuple:
    """Which radosgw an environment stores in: behind regc's front, its hosts (two namespaces' fronts
    over the same hosts are one radosgw); otherwise the URL's host and port."""
    from urllib.parse import urlsplit

    from regc.plan.names import storage_url

    own_url = spec.storage.authurl if spec.storage.driver == "swift" else spec.storage.regionendpoint
    if own_url is None and spec.radosgw is not None:
        return ("hosts", tuple(sorted(spec.radosgw.hosts)), spec.radosgw.port)
    parts = urlsplit(storage_url(spec) or "")
    return ("url", parts.hostname, parts.port)


def check_shared_storage(environments: list[LoadedEnvironment]) -> list[Problem]:
    """One Swift container (or S3 bucket and prefix) serves one registry, one user: sharing it is
    the guide's `401 Unauthorized` panic, and two registries would collect each other's blobs."""
    owners: dict[tuple, LoadedEnvironment] = {}
    problems = []
    for env in environments:
        storage = env.spec.storage
        if storage.driver not in ("swift", "s3"):
            continue
        host = _object_store_identity(env.spec)
        if storage.driver == "swift":
            key = ("swift", host, storage.container)
            what, field = f"Swift container {storage.container!r}", "container"
        else:
            key = ("s3", host, storage.bucket, (storage.rootdirectory or "").strip("/"))
            what, field = f"S3 bucket {storage.bucket!r} (same rootdirectory)", "bucket"
        if key in owners:
            other = owners[key]
            problems.append(Problem(
                env.locate("storage", field),
                f"storage.{field}: the {what} is also used by environment {other.name!r} "
                f"({other.positions.path}): one container serves one user of one registry; shared, "
                "the registry fails to start with 401 Unauthorized",
                f"give each environment its own {field}"))
        else:
            owners[key] = env
    return problems


APPLICATION_SET_SHARED = ("repo_url", "revision", "project", "destination_server", "namespace", "prune", "self_heal")


def check_application_set(environments: list[LoadedEnvironment]) -> list[Problem]:
    """The environments of the one ApplicationSet share its generator and its template: what they
    would set differently, an ApplicationSet cannot express."""
    members = [env for env in environments if env.spec.gitops.application_set]
    problems = []
    for env in members[1:]:
        first = members[0]
        for name in APPLICATION_SET_SHARED:
            mine, theirs = getattr(env.spec.gitops, name), getattr(first.spec.gitops, name)
            if mine != theirs:
                key = type(env.spec.gitops).model_fields[name].alias or name
                problems.append(Problem(
                    env.locate("gitops", key),
                    f"gitops.{key}: {mine!r} differs from {theirs!r} of environment {first.name!r} "
                    f"({first.positions.path}), and both are in the ApplicationSet",
                    f"give both the same {key}, or set applicationSet: false on one for an Application of its own"))
    return problems



RESERVED_VOLUMES = {"config", "htpasswd", "tls", "data", "tmp"}


def check_operations_rules(env: LoadedEnvironment, renderable: bool = True) -> list[Problem]:
    """Availability, caches, events, network and escape hatches: each contradiction refused.
    `renderable`: no other rule failed, so config.yml can be rendered to check extras against it."""
    from regc.render.deployment import shared_storage

    spec = env.spec
    problems: list[Problem] = []
    scaling = spec.availability.autoscaling
    if scaling.enabled and not shared_storage(spec):
        problems.append(Problem(env.locate("availability", "autoscaling", "enabled"),
                                "availability.autoscaling: more than one pod on a ReadWriteOnce volume",
                                "use object storage or storage.accessMode: ReadWriteMany, or turn autoscaling off"))
    if scaling.enabled and scaling.min_replicas > scaling.max_replicas:
        problems.append(Problem(env.locate("availability", "autoscaling", "minReplicas"),
                                "availability.autoscaling.minReplicas: greater than maxReplicas"))
    replicas = scaling.min_replicas if scaling.enabled else spec.registry.replicas
    if spec.availability.pod_disruption_budget.enabled and replicas < 2:
        problems.append(Problem(env.locate("availability", "podDisruptionBudget", "enabled"),
                                "availability.podDisruptionBudget: with one replica it protects nothing (a drain "
                                "still takes the only pod)",
                                "run two or more replicas on shared storage, or turn the budget off"))
    if spec.proxy is not None and spec.proxy.ttl is not None and (env_major := _major(spec)) is not None \
            and env_major < 3:
        problems.append(Problem(env.locate("proxy", "ttl"),
                                "proxy.ttl: registry 2.x has no such setting (it keeps cached content 7 days)",
                                "use a registry:3 image, or remove proxy.ttl"))
    if spec.registry.blob_descriptor_cache == "redis" and spec.redis is None:
        problems.append(Problem(env.locate("registry", "blobDescriptorCache"),
                                "registry.blobDescriptorCache: redis, but there is no `redis` section",
                                "add redis.addr (and redis.password: true if it needs one)"))
    if spec.redis is not None and spec.registry.blob_descriptor_cache != "redis":
        problems.append(Problem(env.locate("redis"), "redis: the registry uses Redis only for the blob "
                                "descriptor cache, which is not set to redis",
                                "set registry.blobDescriptorCache: redis, or remove the redis section"))
    names = [endpoint.name for endpoint in spec.notifications]
    for index, endpoint in enumerate(spec.notifications):
        if names.index(endpoint.name) != index:
            problems.append(Problem(env.locate("notifications", index, "name"),
                                    f"notifications: the endpoint name {endpoint.name!r} is used twice"))
        for header in set(endpoint.secret_headers) & set(endpoint.headers):
            problems.append(Problem(env.locate("notifications", index, "secretHeaders"),
                                    f"notifications.{endpoint.name}: header {header!r} is both in clear and secret"))
    problems.extend(_network_policy_problems(env))
    problems.extend(_extras_problems(env, renderable))
    return problems


def _major(spec) -> int | None:
    from regc.plan.names import image_major_version

    return image_major_version(spec.registry.image)


def _network_policy_problems(env: LoadedEnvironment) -> list[Problem]:
    spec = env.spec
    if not spec.network_policy.enabled or spec.network_policy.egress_cidrs:
        return []
    needs = [what for what, present in (
        ("the proxy's upstream", spec.proxy is not None), ("Redis", spec.redis is not None),
        ("the webhook endpoints", bool(spec.notifications)),
        ("the object store", spec.storage.driver != "filesystem" and spec.radosgw is None)) if present]
    if not needs:
        return []
    return [Problem(env.locate("networkPolicy", "enabled"),
                    f"networkPolicy: the registry must reach {', '.join(needs)}, which the policy would block",
                    "list their addresses in networkPolicy.egressCidrs")]


def _extras_problems(env: LoadedEnvironment, renderable: bool) -> list[Problem]:
    from regc.plan.names import AUTH_DIR, CERTS_DIR, DATA_DIR, INSTANCE_LABEL
    from regc.plan.plan import plan_for
    from regc.render.deployment import managed_variables
    from regc.render.registry_config import managed_config, managed_keys

    spec = env.spec
    extras = spec.extras
    problems: list[Problem] = []
    plan = plan_for(env.name, spec)
    config = managed_config(plan) if renderable and (extras.config or extras.env) else {}
    managed = managed_keys(config)
    allowed = set(extras.config_overrides)

    def overridable(key: str) -> bool:
        parts = key.split(".")
        return any(".".join(parts[:n]) in allowed for n in range(1, len(parts) + 1))

    taken = {name for name, _, _ in managed_variables(spec)}
    for name in extras.env:
        key = ".".join(name.lower().split("_")[1:]) if name.startswith("REGISTRY_") else None
        if name in taken:
            problems.append(Problem(env.locate("extras", "env", name),
                                    f"extras.env.{name}: regc sets this variable (from an encrypted Secret)"))
        elif key and key in managed and not overridable(key):
            problems.append(Problem(env.locate("extras", "env", name),
                                    f"extras.env.{name}: would override config.yml key `{key}`, which regc writes",
                                    f"set it through the spec, or list `{key}` in extras.configOverrides"))
    for key in _dotted(extras.config):
        if key in managed and not overridable(key):
            problems.append(Problem(env.locate("extras", "config", *key.split(".")),
                                    f"extras.config: overrides config.yml key `{key}`, which regc writes",
                                    f"set it through the spec, or list `{key}` in extras.configOverrides"))
    for index, key in enumerate(extras.config_overrides):
        if key not in _dotted(extras.config) and not any(k.startswith(key + ".") for k in _dotted(extras.config)) \
                and not any(n.startswith("REGISTRY_") and ".".join(n.lower().split("_")[1:]) == key
                            for n in extras.env):
            problems.append(Problem(env.locate("extras", "configOverrides", index),
                                    f"extras.configOverrides: `{key}` is not set by extras.config or extras.env"))
    reserved_paths = [plan.config_dir, AUTH_DIR, CERTS_DIR, DATA_DIR, "/tmp"]
    for index, volume in enumerate(extras.volumes):
        where = env.locate("extras", "volumes", index)
        if volume.name in RESERVED_VOLUMES:
            problems.append(Problem(where, f"extras.volumes: the name {volume.name!r} is regc's",
                                    "choose another name"))
        path = volume.mount_path.rstrip("/") or "/"
        for reserved in reserved_paths:
            if path == reserved or path.startswith(reserved + "/") or reserved.startswith(path + "/"):
                problems.append(Problem(where, f"extras.volumes.{volume.name}: mountPath {volume.mount_path} "
                                        f"collides with {reserved}, which regc mounts"))
        if not path.startswith("/"):
            problems.append(Problem(where, f"extras.volumes.{volume.name}: mountPath must be absolute"))
        if sum((volume.config_map is not None, volume.secret is not None, volume.empty_dir)) != 1:
            problems.append(Problem(where, f"extras.volumes.{volume.name}: give exactly one of configMap, "
                                    "secret, emptyDir"))
    for key in extras.pod_labels:
        if key.startswith("app.kubernetes.io/") or key == INSTANCE_LABEL:
            problems.append(Problem(env.locate("extras", "podLabels", key),
                                    f"extras.podLabels: {key} is regc's (the selectors use it)"))
    for key in extras.pod_annotations:
        if key.startswith("regc/"):
            problems.append(Problem(env.locate("extras", "podAnnotations", key),
                                    f"extras.podAnnotations: {key} is regc's (it rolls the pods)"))
    return problems


def _dotted(mapping: dict, prefix: str = "") -> list[str]:
    """The leaf keys of a mapping, dotted."""
    keys = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        keys.extend(_dotted(value, path + ".") if isinstance(value, dict) and value else [path])
    return keys

