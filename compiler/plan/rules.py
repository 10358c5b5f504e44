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
    return problems
