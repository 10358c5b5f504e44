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
            "or object storage shared by all replicas"))
    if spec.service.node_port is not None and spec.service.type == "ClusterIP":
        problems.append(Problem(
            env.locate("service", "nodePort"),
            "service.nodePort: a ClusterIP Service has no node port",
            "set service.type: NodePort (or LoadBalancer), or remove nodePort"))
    problems.extend(check_secret_rules(env))
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
