"""What each environment puts in the cluster, by identity (kind, namespace, name), with which spec
field would rename each: the input of the check of collisions between environments
(regc.plan.inventory), made from the objects the environment's overlay was rendered to."""

from __future__ import annotations

from typing import Any

from regc.plan.inventory import Identity
from regc.plan.plan import Plan
from regc.render.namespace import namespace
from regc.secrets.products import products


def footprint(plan: Plan, workload: list[dict[str, Any]]) -> dict[Identity, str]:
    """(kind, namespace, name) of every object the environment's overlay emits -> which remedy
    applies: its `workload` as rendered, its Secrets, its Namespace, its node proxy's port."""
    spec = plan.spec
    found: dict[Identity, str] = {}
    front = spec.radosgw.service_name if spec.radosgw else None
    for obj in workload:
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
