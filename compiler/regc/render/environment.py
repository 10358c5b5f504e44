"""All the objects of one environment, before Kustomize adds its namespace and instance labels."""

from __future__ import annotations

import json

from regc.plan.plan import Plan
from regc.render.availability import autoscaler, disruption_budget
from regc.render.configmap import configmap
from regc.render.deployment import deployment
from regc.render.identity import service_account
from regc.render.ingress import ingress
from regc.render.monitoring import metrics_service, prometheus_rule, service_monitor
from regc.render.network_policy import network_policy, smoke_test_policy
from regc.render.node_proxy import node_proxy_objects
from regc.render.radosgw import radosgw_objects
from regc.render.service import service
from regc.render.smoke_test import smoke_test_job
from regc.render.volume import data_claim


def workload_objects(plan: Plan, secrets_checksum: str | None = None) -> list[dict]:
    """The namespaced objects of the registry, in a stable order (Secrets come from regc.secrets)."""
    registry = deployment(plan, secrets_checksum)
    revision = json.dumps(registry["spec"]["template"]["metadata"]["annotations"], sort_keys=True)
    objects = [
        service_account(plan),
        configmap(plan),
        data_claim(plan),
        service(plan),
        registry,
        disruption_budget(plan),
        autoscaler(plan),
        metrics_service(plan),
        service_monitor(plan),
        prometheus_rule(plan),
        network_policy(plan),
        smoke_test_policy(plan),
        *radosgw_objects(plan),
        ingress(plan),
        *node_proxy_objects(plan),
        smoke_test_job(plan, revision),
    ]
    return [obj for obj in objects if obj is not None]
