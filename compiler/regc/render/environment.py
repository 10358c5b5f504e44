"""All the objects of one environment, before Kustomize adds its namespace and instance labels: the
workload, the Namespace, and what the GitOps engines read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from regc.plan.plan import Plan
from regc.render.availability import autoscaler, disruption_budget
from regc.render.certificate import certificate
from regc.render.configmap import configmap
from regc.render.deployment import deployment
from regc.render.gitops import application_set_member, gitops_objects, ksops_generator
from regc.render.identity import service_account
from regc.render.ingress import ingress
from regc.render.monitoring import metrics_service, prometheus_rule, service_monitor
from regc.render.namespace import namespace
from regc.render.network_policy import network_policy, radosgw_front_policy, smoke_test_policy
from regc.render.node_proxy import node_proxy_objects
from regc.render.radosgw import radosgw_objects
from regc.render.service import service
from regc.render.smoke_job import smoke_test_job
from regc.render.volume import data_claim

Object = dict[str, Any]


@dataclass(frozen=True)
class RenderedEnvironment:
    """What the emitter lays out for one environment."""

    plan: Plan
    workload: list[Object]  # the overlay's resources (its Secrets come from regc.secrets)
    namespace: Object | None  # when the overlay creates its namespace
    gitops: dict[str, Object]  # bootstrap objects, by file name
    ksops: Object | None  # Argo CD: the KSOPS generator of the encrypted Secrets
    member: Object | None  # the ApplicationSet's view of this environment


def render_environment(plan: Plan, secrets_checksum: str | None, secret_files: list[str]) -> RenderedEnvironment:
    """Every object of the environment; `secrets_checksum` rolls the pods when a value they read
    changes, `secret_files` are the encrypted Secrets' files (for KSOPS)."""
    spec = plan.spec
    return RenderedEnvironment(
        plan,
        workload_objects(plan, secrets_checksum),
        namespace(plan) if spec.create_namespace else None,
        gitops_objects(plan),
        ksops_generator(plan, secret_files) if spec.gitops.engine == "argocd" and plan.sealed else None,
        application_set_member(plan) if spec.gitops.application_set else None,
    )


def workload_objects(plan: Plan, secrets_checksum: str | None = None) -> list[Object]:
    """The namespaced objects of the registry, in a stable order (Secrets come from regc.secrets)."""
    registry = deployment(plan, secrets_checksum)
    revision = json.dumps(registry["spec"]["template"]["metadata"]["annotations"], sort_keys=True)
    objects = [
        service_account(plan),
        configmap(plan),
        certificate(plan),
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
        radosgw_front_policy(plan),
        *radosgw_objects(plan),
        ingress(plan),
        *node_proxy_objects(plan),
        smoke_test_job(plan, revision),
    ]
    return [obj for obj in objects if obj is not None]
