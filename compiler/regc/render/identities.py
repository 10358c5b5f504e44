"""What each environment puts in the cluster, by identity (kind, namespace, name), for the check of
collisions between environments (regc.plan.inventory), with which spec field would rename each."""

from __future__ import annotations

from regc.plan.plan import Plan
from regc.render.environment import workload_objects
from regc.render.namespace import namespace
from regc.secrets.products import products


def identities(plan: Plan) -> dict[tuple[str, str, str], str]:
    """(kind, namespace, name) of every object the environment's overlay emits -> which remedy applies."""
    spec = plan.spec
    found: dict[tuple[str, str, str], str] = {}
    front = spec.radosgw.service_name if spec.radosgw else None
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
    if spec.create_namespace:
        found[("Namespace", "", namespace(plan)["metadata"]["name"])] = "Namespace"
    if spec.node_proxy.enabled:  # a port of every node of the cluster, whatever the namespace
        found[("hostPort", "", str(spec.node_proxy.host_port))] = "hostPort"
    return found
