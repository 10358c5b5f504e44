"""Rules of the operations features: availability, caches, events, network and escape hatches."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from regc.envspec.parse import LoadedEnvironment
from regc.errors import Problem
from regc.plan.credentials import CREDENTIAL_VARIABLES, endpoints_variable, header_variable, managed_variables
from regc.plan.names import ALERTS, AUTH_DIR, CERTS_DIR, DATA_DIR, INSTANCE_LABEL, config_directory, image_major_version
from regc.plan.plan import max_replicas, rolling_update, shared_storage
from regc.plan.registry_config import managed_config, managed_keys

if TYPE_CHECKING:
    from regc.envspec.model import EnvFrom, NodeTerm

RESERVED_VOLUMES = {"config", "htpasswd", "tls", "data", "tmp"}


def check_operations_rules(env: LoadedEnvironment, renderable: bool = True) -> list[Problem]:
    """Availability, caches, events, network and escape hatches: each contradiction refused.
    `renderable`: no other rule failed, so config.yml can be rendered to check extras against it."""
    spec = env.spec
    problems: list[Problem] = []
    scaling = spec.availability.autoscaling
    if "rolling_update" in spec.availability.model_fields_set and not shared_storage(spec):
        problems.append(
            Problem(
                env.locate("availability", "rollingUpdate"),
                "availability.rollingUpdate: a ReadWriteOnce volume cannot be rolled (the new "
                "pod waits for the volume the old one holds); regc uses the Recreate strategy",
                "remove rollingUpdate, or use object storage or storage.accessMode: ReadWriteMany",
            )
        )
    if scaling.enabled and not shared_storage(spec):
        problems.append(
            Problem(
                env.locate("availability", "autoscaling", "enabled"),
                "availability.autoscaling: more than one pod on a ReadWriteOnce volume",
                "use object storage or storage.accessMode: ReadWriteMany, or turn autoscaling off",
            )
        )
    if scaling.enabled and scaling.min_replicas > scaling.max_replicas:
        problems.append(
            Problem(
                env.locate("availability", "autoscaling", "minReplicas"),
                "availability.autoscaling.minReplicas: greater than maxReplicas",
            )
        )
    replicas = scaling.min_replicas if scaling.enabled else spec.registry.replicas
    if spec.availability.pod_disruption_budget.enabled and replicas < 2:
        problems.append(
            Problem(
                env.locate("availability", "podDisruptionBudget", "enabled"),
                "availability.podDisruptionBudget: with one replica it protects nothing (a drain "
                "still takes the only pod)",
                "run two or more replicas on shared storage, or turn the budget off",
            )
        )
    problems.extend(_availability_problems(env, replicas))
    problems.extend(_node_count_problems(env))
    problems.extend(_service_problems(env))
    problems.extend(_alert_problems(env))
    major = image_major_version(spec.registry.image)
    if spec.proxy is not None and spec.proxy.ttl is not None and major is not None and major < 3:
        problems.append(
            Problem(
                env.locate("proxy", "ttl"),
                "proxy.ttl: registry 2.x has no such setting (it keeps cached content 7 days)",
                "use a registry:3 image, or remove proxy.ttl",
            )
        )
    if spec.registry.blob_descriptor_cache == "redis" and spec.redis is None:
        problems.append(
            Problem(
                env.locate("registry", "blobDescriptorCache"),
                "registry.blobDescriptorCache: redis, but there is no `redis` section",
                "add redis.addr (and redis.password: true if it needs one)",
            )
        )
    if spec.redis is not None and spec.registry.blob_descriptor_cache != "redis":
        problems.append(
            Problem(
                env.locate("redis"),
                "redis: the registry uses Redis only for the blob descriptor cache, which is not set to redis",
                "set registry.blobDescriptorCache: redis, or remove the redis section",
            )
        )
    names = [endpoint.name for endpoint in spec.notifications]
    for index, endpoint in enumerate(spec.notifications):
        if names.index(endpoint.name) != index:
            problems.append(
                Problem(
                    env.locate("notifications", index, "name"),
                    f"notifications: the endpoint name {endpoint.name!r} is used twice",
                )
            )
        for header in set(endpoint.secret_headers) & set(endpoint.headers):
            problems.append(
                Problem(
                    env.locate("notifications", index, "secretHeaders"),
                    f"notifications.{endpoint.name}: header {header!r} is both in clear and secret",
                )
            )
        for header in sorted(set(endpoint.header_secrets) & (set(endpoint.headers) | set(endpoint.secret_headers))):
            problems.append(
                Problem(
                    env.locate("notifications", index, "headerSecrets", header),
                    f"notifications.{endpoint.name}: header {header!r} is also given in `headers` or `secretHeaders`",
                )
            )
    problems.extend(_header_secret_problems(env))
    problems.extend(_network_policy_problems(env))
    problems.extend(_node_affinity_problems(env))
    problems.extend(_extras_problems(env, renderable))
    return problems


# What the downward API may put in a variable (Kubernetes' own list).
FIELD_PATH = re.compile(
    r"^(metadata\.(name|namespace|uid)|metadata\.(labels|annotations)\['[^']+'\]"
    r"|spec\.(nodeName|serviceAccountName)|status\.(hostIP|hostIPs|podIP|podIPs))$"
)


def _env_source_problems(env: LoadedEnvironment, name: str, value: EnvFrom) -> list[Problem]:
    source = value.value_from
    given = [
        key
        for key, ref in (
            ("secretKeyRef", source.secret_key_ref),
            ("configMapKeyRef", source.config_map_key_ref),
            ("fieldRef", source.field_ref),
        )
        if ref is not None
    ]
    where = ("extras", "env", name, "valueFrom")
    if len(given) != 1:
        return [
            Problem(
                env.locate(*where),
                f"extras.env.{name}.valueFrom: give exactly one of secretKeyRef, configMapKeyRef and fieldRef"
                + (f", not {' and '.join(given)}" if given else ""),
            )
        ]
    if source.field_ref is not None and not FIELD_PATH.match(source.field_ref.field_path):
        return [
            Problem(
                env.locate(*where, "fieldRef", "fieldPath"),
                f"extras.env.{name}.valueFrom.fieldRef.fieldPath: {source.field_ref.field_path!r} is not a field "
                "the downward API gives a variable",
                "use metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], "
                "metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or "
                "status.podIP(s)",
            )
        ]
    return []


def _availability_problems(env: LoadedEnvironment, replicas: int) -> list[Problem]:
    availability = env.spec.availability
    budget, scaling = availability.pod_disruption_budget, availability.autoscaling
    problems = []
    where = ("availability", "podDisruptionBudget")
    if budget.enabled and budget.min_available is not None and budget.max_unavailable is not None:
        problems.append(
            Problem(
                env.locate(*where, "minAvailable"),
                "availability.podDisruptionBudget: minAvailable and maxUnavailable together (Kubernetes takes one)",
                "keep one of them",
            )
        )
    elif budget.enabled and budget.min_available is not None and budget.min_available >= replicas:
        problems.append(
            Problem(
                env.locate(*where, "minAvailable"),
                f"availability.podDisruptionBudget.minAvailable: {budget.min_available} of {replicas} pods must stay "
                "up, so no drain could ever evict one",
                f"set it below {replicas}, or run more replicas",
            )
        )
    if availability.pre_stop_sleep_seconds + 5 >= availability.termination_grace_period_seconds:
        problems.append(
            Problem(
                env.locate("availability", "preStopSleepSeconds"),
                f"availability.preStopSleepSeconds: {availability.pre_stop_sleep_seconds} s of a "
                f"{availability.termination_grace_period_seconds} s grace period leaves the registry no time to "
                "finish the uploads in flight (it needs 5 s more at least)",
                "lengthen terminationGracePeriodSeconds, or shorten the sleep",
            )
        )
    memory = env.spec.registry.resources.requests.memory
    if scaling.enabled and scaling.target_memory_utilization is not None and memory is None:
        problems.append(
            Problem(
                env.locate("availability", "autoscaling", "targetMemoryUtilization"),
                "availability.autoscaling.targetMemoryUtilization: a percentage of the memory request, but the "
                "registry has none",
                "set registry.resources.requests.memory",
            )
        )
    return problems


def _node_count_problems(env: LoadedEnvironment) -> list[Problem]:
    """Required anti-affinity puts each pod on a node of its own: the replicas, and a rollout's
    surge pod, need that many nodes, or pods stay Pending and the rollout never finishes."""
    spec = env.spec
    scheduling = spec.scheduling
    if scheduling.anti_affinity != "required":
        return []
    most = max_replicas(spec)
    nodes = scheduling.nodes
    if nodes is not None and most > nodes:
        return [
            Problem(
                env.locate("scheduling", "nodes"),
                f"scheduling.nodes: {most} replicas never share a node (antiAffinity: required), and {nodes} "
                f"node{'s' if nodes > 1 else ''} can run them: {most - nodes} would stay Pending",
                f"run at most {nodes} replicas, make more nodes eligible, or use antiAffinity: preferred",
            )
        ]
    max_unavailable, max_surge = rolling_update(spec)
    if not shared_storage(spec) or max_unavailable > 0:
        return []  # Recreate, or an old pod stops first and frees its node for the new one
    needed = most + 1
    if nodes is None:
        return [
            Problem(
                env.locate("scheduling", "antiAffinity"),
                f"scheduling.antiAffinity: required, with a rollout that starts a new pod before it stops an old "
                f"one (maxUnavailable 0), needs {needed} nodes, and the spec does not say how many can run the "
                "registry: with fewer, the rollout never finishes",
                "declare scheduling.nodes (with as many nodes as replicas, regc then rolls one pod down at "
                "a time), or set availability.rollingUpdate.maxUnavailable: 1",
            )
        ]
    if nodes < needed:
        return [
            Problem(
                env.locate("availability", "rollingUpdate"),
                f"availability.rollingUpdate: a surge of {max_surge} with maxUnavailable 0 needs {needed} nodes "
                f"(antiAffinity: required), and scheduling.nodes is {nodes}: the rollout would never finish",
                "set maxUnavailable: 1 and maxSurge: 0, or make more nodes eligible",
            )
        ]
    return []


def _service_problems(env: LoadedEnvironment) -> list[Problem]:
    """What the API server would refuse for the Service's type, refused here with the field."""
    service = env.spec.service
    problems = []
    for field, set_ in (
        ("loadBalancerIP", service.load_balancer_ip),
        ("loadBalancerSourceRanges", service.load_balancer_source_ranges),
    ):
        if set_ and service.type != "LoadBalancer":
            problems.append(
                Problem(
                    env.locate("service", field),
                    f"service.{field}: only a LoadBalancer Service has it, not a {service.type}",
                    "set service.type: LoadBalancer, or remove it",
                )
            )
    if service.external_traffic_policy and service.type == "ClusterIP":
        problems.append(
            Problem(
                env.locate("service", "externalTrafficPolicy"),
                "service.externalTrafficPolicy: a ClusterIP Service has no external traffic",
                "set service.type: NodePort or LoadBalancer, or remove it",
            )
        )
    for key in service.labels:
        if key.startswith("app.kubernetes.io/"):
            problems.append(
                Problem(
                    env.locate("service", "labels", key),
                    f"service.labels.{key}: the app.kubernetes.io/ labels are regc's",
                )
            )
    return problems


def _alert_problems(env: LoadedEnvironment) -> list[Problem]:
    metrics = env.spec.metrics
    problems = []
    if metrics.extra_rules and not (metrics.enabled and metrics.prometheus_rule):
        problems.append(
            Problem(
                env.locate("metrics", "extraRules"),
                "metrics.extraRules: no PrometheusRule holds them",
                "set metrics.enabled and metrics.prometheusRule: true",
            )
        )
    seen = set(ALERTS)
    for index, rule in enumerate(metrics.extra_rules):
        if rule.alert in seen:
            problems.append(
                Problem(
                    env.locate("metrics", "extraRules", index, "alert"),
                    f"metrics.extraRules[{index}].alert: {rule.alert!r} is "
                    + ("one of regc's alerts" if rule.alert in ALERTS else "given twice"),
                    "give it a name of its own",
                )
            )
        seen.add(rule.alert)
    return problems


def _node_affinity_problems(env: LoadedEnvironment) -> list[Problem]:
    """Values as each operator takes them, as the API server checks them (else the Deployment is
    refused at sync time, not here)."""
    affinity = env.spec.scheduling.node_affinity
    where = ("scheduling", "nodeAffinity")
    terms: list[tuple[tuple[str | int, ...], NodeTerm]] = [
        ((*where, "required", i), t) for i, t in enumerate(affinity.required)
    ]
    terms += [((*where, "preferred", i, "preference"), p.preference) for i, p in enumerate(affinity.preferred)]
    problems = []
    for path, term in terms:
        for index, requirement in enumerate(term.match_expressions):
            loc = (*path, "matchExpressions", index, "values")
            values, operator = requirement.values, requirement.operator
            wrong = (
                "takes at least one value"
                if operator in ("In", "NotIn") and not values
                else "takes no values"
                if operator in ("Exists", "DoesNotExist") and values
                else "takes exactly one integer"
                if operator in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit())
                else None
            )
            if wrong:
                dotted = ".".join(f"[{p}]" if isinstance(p, int) else p for p in loc).replace(".[", "[")
                problems.append(Problem(env.locate(*loc), f"{dotted}: {operator} {wrong}"))
    return problems


def _network_policy_problems(env: LoadedEnvironment) -> list[Problem]:
    spec = env.spec
    if not spec.network_policy.enabled or spec.network_policy.egress_cidrs:
        return []
    needs = [
        what
        for what, present in (
            ("the proxy's upstream", spec.proxy is not None),
            ("Redis", spec.redis is not None),
            ("the webhook endpoints", bool(spec.notifications)),
            ("the object store", spec.storage.driver != "filesystem" and spec.radosgw is None),
        )
        if present
    ]
    if not needs:
        return []
    why = (
        " (a pull-through cache that cannot reach its upstream does not start: the registry asks it when it starts)"
        if spec.proxy is not None
        else ""
    )
    return [
        Problem(
            env.locate("networkPolicy", "enabled"),
            f"networkPolicy: the registry must reach {', '.join(needs)}, which the policy would block{why}",
            "list their addresses in networkPolicy.egressCidrs",
        )
    ]


def _header_secret_problems(env: LoadedEnvironment) -> list[Problem]:
    """Headers from Secrets of the user's reach the pod in a clear endpoint list that names one
    variable per header; headers from the secrets file need the list in an encrypted Secret."""
    spec = env.spec
    problems = []
    mixed = any(endpoint.secret_headers for endpoint in spec.notifications)
    seen: dict[str, str] = {}
    for index, endpoint in enumerate(spec.notifications):
        for header in endpoint.header_secrets:
            where = env.locate("notifications", index, "headerSecrets", header)
            variable = header_variable(endpoint.name, header)
            if mixed:
                problems.append(
                    Problem(
                        where,
                        f"notifications.{endpoint.name}.headerSecrets: cannot be combined with `secretHeaders` in "
                        "one environment (the registry reads the whole endpoint list from one variable, either "
                        "regc's encrypted Secret or a clear list naming your Secrets)",
                        "keep every secret header in the secrets file, or every one in Secrets of yours",
                    )
                )
                return problems
            if variable in seen:
                problems.append(
                    Problem(
                        where,
                        f"notifications.{endpoint.name}.headerSecrets.{header}: its variable {variable} is also "
                        f"that of {seen[variable]}",
                        "spell the header names differently than by case or punctuation",
                    )
                )
            seen[variable] = f"{endpoint.name}.{header}"
    return problems


def _extras_problems(env: LoadedEnvironment, renderable: bool) -> list[Problem]:
    spec = env.spec
    extras = spec.extras
    problems: list[Problem] = []
    config = managed_config(spec) if renderable and (extras.config or extras.env) else {}
    managed = managed_keys(config)
    allowed = set(extras.config_overrides)

    def overridable(key: str) -> bool:
        parts = key.split(".")
        return any(".".join(parts[:n]) in allowed for n in range(1, len(parts) + 1))

    taken = {name for name, _, _ in managed_variables(spec)}
    if endpoints_variable(spec) is not None:
        taken.add(CREDENTIAL_VARIABLES["notification-endpoints"])
    for name, value in extras.env.items():
        if not isinstance(value, str):
            problems.extend(_env_source_problems(env, name, value))
        key = _config_key(name)
        if name in taken:
            problems.append(
                Problem(
                    env.locate("extras", "env", name),
                    f"extras.env.{name}: regc sets this variable (from an encrypted Secret)",
                )
            )
        elif key and (instead := derived_instead(key)):
            problems.append(
                Problem(
                    env.locate("extras", "env", name),
                    f"extras.env.{name}: would set config.yml key `{key}`, from which regc derives other objects",
                    f"use {instead}",
                )
            )
        elif key and key in managed and not overridable(key):
            problems.append(
                Problem(
                    env.locate("extras", "env", name),
                    f"extras.env.{name}: would override config.yml key `{key}`, which regc writes",
                    f"set it through the spec, or list `{key}` in extras.configOverrides",
                )
            )
    extra_keys = _dotted(extras.config)
    env_keys = {_config_key(name) for name in extras.env} - {None}
    for key in extra_keys:
        if instead := derived_instead(key):
            problems.append(
                Problem(
                    env.locate("extras", "config", *key.split(".")),
                    f"extras.config: sets config.yml key `{key}`, from which regc derives other objects",
                    f"use {instead}",
                )
            )
        elif key in managed and not overridable(key):
            problems.append(
                Problem(
                    env.locate("extras", "config", *key.split(".")),
                    f"extras.config: overrides config.yml key `{key}`, which regc writes",
                    f"set it through the spec, or list `{key}` in extras.configOverrides",
                )
            )
    for index, key in enumerate(extras.config_overrides):
        if key not in extra_keys and key not in env_keys and not any(k.startswith(key + ".") for k in extra_keys):
            problems.append(
                Problem(
                    env.locate("extras", "configOverrides", index),
                    f"extras.configOverrides: `{key}` is not set by extras.config or extras.env",
                )
            )
    reserved_paths = [config_directory(image_major_version(spec.registry.image)), AUTH_DIR, CERTS_DIR, DATA_DIR, "/tmp"]
    for index, volume in enumerate(extras.volumes):
        where = env.locate("extras", "volumes", index)
        if volume.name in RESERVED_VOLUMES:
            problems.append(
                Problem(where, f"extras.volumes: the name {volume.name!r} is regc's", "choose another name")
            )
        path = volume.mount_path.rstrip("/") or "/"
        for reserved in reserved_paths:
            if path == reserved or path.startswith(reserved + "/") or reserved.startswith(path + "/"):
                problems.append(
                    Problem(
                        where,
                        f"extras.volumes.{volume.name}: mountPath {volume.mount_path} "
                        f"collides with {reserved}, which regc mounts",
                    )
                )
        if not path.startswith("/"):
            problems.append(Problem(where, f"extras.volumes.{volume.name}: mountPath must be absolute"))
        if sum((volume.config_map is not None, volume.secret is not None, volume.empty_dir)) != 1:
            problems.append(
                Problem(where, f"extras.volumes.{volume.name}: give exactly one of configMap, secret, emptyDir")
            )
    for key in extras.pod_labels:
        if key.startswith("app.kubernetes.io/") or key == INSTANCE_LABEL:
            problems.append(
                Problem(
                    env.locate("extras", "podLabels", key), f"extras.podLabels: {key} is regc's (the selectors use it)"
                )
            )
    for key in extras.pod_annotations:
        if key.startswith("regc/"):
            problems.append(
                Problem(
                    env.locate("extras", "podAnnotations", key),
                    f"extras.podAnnotations: {key} is regc's (it rolls the pods)",
                )
            )
    return problems


# config.yml keys that other objects are derived from (probes, Service and NetworkPolicy ports, the
# smoke test's URL, the metrics Service): an override would leave them contradicting the registry,
# so not even extras.configOverrides admits one. Each names the spec field to use instead.
DERIVED_KEYS = {
    "http.tls": "tls.enabled, with tls.certificate: provided for a certificate of your own (the probes' scheme "
    "and the smoke test's URL follow it)",
    "http.addr": "service.port for clients (the registry listens on 5000: the probes, the Service and the "
    "NetworkPolicy use that port)",
    "http.prefix": "no prefix (the probes, the Ingress and the smoke test reach the registry at /)",
    "http.debug": "metrics.enabled and metrics.port (the metrics Service and NetworkPolicy follow them)",
    "auth": "auth.htpasswd (the probes' path and the smoke test's login follow it)",
}


def derived_instead(key: str) -> str | None:
    """The managed field to use instead, when `key` (dotted) overrides a key other objects derive from."""
    for prefix, instead in DERIVED_KEYS.items():
        if key == prefix or key.startswith(prefix + ".") or prefix.startswith(key + "."):
            return instead
    return None


def _config_key(variable: str) -> str | None:
    """The config.yml key a REGISTRY_* variable overrides (REGISTRY_HTTP_ADDR -> http.addr)."""
    return ".".join(variable.lower().split("_")[1:]) if variable.startswith("REGISTRY_") else None


def _dotted(mapping: dict[str, Any], prefix: str = "") -> list[str]:
    """The leaf keys of a mapping, dotted."""
    keys = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        keys.extend(_dotted(value, path + ".") if isinstance(value, dict) and value else [path])
    return keys
