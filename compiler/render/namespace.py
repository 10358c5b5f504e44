"""The environment's Namespace."""

from __future__ import annotations

from regc.plan.plan import Plan
from regc.render.meta import k8s_object


def namespace(plan: Plan) -> dict:
    return k8s_object("v1", "Namespace", plan.namespace)
