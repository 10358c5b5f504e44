"""The objects each environment puts in the cluster, by identity, and the collisions between environments."""

from __future__ import annotations

from regc.errors import Problem
from regc.spec.parse import LoadedEnvironment

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


def identities(env: LoadedEnvironment) -> dict[tuple[str, str, str], str]:
    """(kind, namespace, name) of every object the environment's overlay emits -> which remedy applies."""
    from regc.plan.plan import plan_for
    from regc.render.environment import workload_objects
    from regc.render.namespace import namespace
    from regc.secrets.products import products

    plan = plan_for(env.name, env.spec)
    found: dict[tuple[str, str, str], str] = {}
    front = env.spec.radosgw.service_name if env.spec.radosgw else None
    for obj in workload_objects(plan):
        name = obj["metadata"]["name"]
        remedy = (
            "radosgw"
            if front
            and (name == front or name.startswith(front + "-"))
            and obj["kind"] in ("Service", "EndpointSlice", "Endpoints")
            else "instance"
        )
        found[(obj["kind"], plan.namespace, name)] = remedy
    for product in products(plan, {}):
        if "secret" in product.public:
            remote = product.public.get("namespace")
            found[("Secret", remote or plan.namespace, product.public["secret"])] = "pull" if remote else "instance"
    if env.spec.create_namespace:
        found[("Namespace", "", namespace(plan)["metadata"]["name"])] = "Namespace"
    if env.spec.node_proxy.enabled:  # a port of every node of the cluster, whatever the namespace
        found[("hostPort", "", str(env.spec.node_proxy.host_port))] = "hostPort"
    return found


def cluster(env: LoadedEnvironment) -> str:
    """The cluster the environment is deployed to, as far as the spec says: Argo CD's destination, else
    the cluster the engine runs in (Argo CD's default destination)."""
    gitops = env.spec.gitops
    in_cluster = type(gitops).model_fields["destination_server"].default
    return gitops.destination_server if gitops.engine == "argocd" else in_cluster


def collisions(environments: list[LoadedEnvironment], building: set[str]) -> list[Problem]:
    """The objects that two environments of one cluster would both emit (same kind, namespace and
    name), one problem per pair of environments and remedy, reported at the spec being built: Argo CD
    or Flux would let the two overwrite each other."""
    owners: dict[tuple[str, tuple[str, str, str]], LoadedEnvironment] = {}
    shared: dict[tuple[str, str, str], list[str]] = {}
    pairs: dict[tuple[str, str, str], tuple[LoadedEnvironment, LoadedEnvironment]] = {}
    for env in sorted(environments, key=lambda e: (e.name not in building, e.name)):
        for identity, remedy in identities(env).items():
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
