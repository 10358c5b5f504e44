"""The collisions between environments of one cluster: objects that two of them would both emit.
The objects come in as data (regc.footprint, from what was rendered), so this rule renders nothing itself."""

from __future__ import annotations

from regc.envspec.parse import LoadedEnvironment
from regc.errors import Problem

# Where a colliding object's name comes from in the spec, and how to give it another.
REMEDIES = {
    "Namespace": (
        ("createNamespace",),
        "set createNamespace: false on all but one of the environments that share the namespace",
    ),
    "radosgw": (("radosgw", "serviceName"), "give each radosgw front its own radosgw.serviceName"),
    "pull": (("pullSecrets", "name"), "give each environment's pull secret its own pullSecrets.name"),
    "hostPort": (("nodeProxy", "hostPort"), "give each node proxy its own nodeProxy.hostPort (a port of every node)"),
}
INSTANCE_REMEDY = (
    ("instance",),
    "give one of them its own `instance` (such as `mirror`): every object name derives from it",
)


def cluster(env: LoadedEnvironment) -> str:
    """The cluster the environment is deployed to, as far as the spec says: Argo CD's destination, else
    the cluster the engine runs in (Argo CD's default destination)."""
    gitops = env.spec.gitops
    in_cluster = str(type(gitops).model_fields["destination_server"].default)
    if gitops.engine == "argocd":
        return f"name:{gitops.destination_name}" if gitops.destination_name else gitops.destination_server
    if gitops.engine == "flux" and gitops.kube_config is not None:
        return f"kubeconfig:{gitops.kube_config.name}"
    return in_cluster


Identity = tuple[str, str, str]  # kind, namespace, name


def collisions(
    environments: list[LoadedEnvironment], building: set[str], emitted: dict[str, dict[Identity, str]]
) -> list[Problem]:
    """The objects that two environments of one cluster would both emit (same kind, namespace and
    name), one problem per pair of environments and remedy, reported at the spec being built: Argo CD
    or Flux would let the two overwrite each other. `emitted`: each environment's objects by
    identity, and which remedy applies to each."""
    owners: dict[tuple[str, Identity], LoadedEnvironment] = {}
    shared: dict[tuple[str, str, str], list[str]] = {}
    pairs: dict[tuple[str, str, str], tuple[LoadedEnvironment, LoadedEnvironment]] = {}
    for env in sorted(environments, key=lambda e: (e.name not in building, e.name)):
        for identity, remedy in emitted[env.name].items():
            other = owners.setdefault((cluster(env), identity), env)
            if other is env:
                continue
            mine, theirs = (env, other) if env.name in building else (other, env)
            key = (mine.name, theirs.name, remedy)
            pairs[key] = (mine, theirs)
            kind, namespace, name = identity
            shared.setdefault(key, []).append(f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}")
    problems = []
    for key, objects in shared.items():
        mine, theirs = pairs[key]
        where, hint = REMEDIES.get(key[2], INSTANCE_REMEDY)
        while where and tuple(where) not in mine.positions.keys:
            where = where[:-1]  # the field is not written: point at its section,
        where = where or ("namespace",)  # or at what makes the names meet
        listed = ", ".join(objects[:4]) + (f" and {len(objects) - 4} more" if len(objects) > 4 else "")
        problems.append(
            Problem(
                mine.locate(*where),
                f"{listed}: also emitted by environment {theirs.name!r} "
                f"({theirs.positions.path}); the two would overwrite each other",
                hint,
            )
        )
    return problems
