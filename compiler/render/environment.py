"""All the objects of one environment, before Kustomize adds its namespace and instance labels."""

from __future__ import annotations

from regc.plan.plan import Plan
from regc.render.configmap import configmap
from regc.render.deployment import deployment
from regc.render.service import service
from regc.render.volume import data_claim


def workload_objects(plan: Plan, secrets_checksum: str | None = None) -> list[dict]:
    """The namespaced objects of the registry, in a stable order (Secrets come from regc.secrets)."""
    objects = [configmap(plan), data_claim(plan), service(plan), deployment(plan, secrets_checksum)]
    return [obj for obj in objects if obj is not None]
