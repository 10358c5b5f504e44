"""What keeps the registry available through drains and load: PodDisruptionBudget and autoscaler."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def disruption_budget(plan: Plan) -> dict[str, Any] | None:
    budget = plan.spec.availability.pod_disruption_budget
    if not budget.enabled:
        return None
    names = plan.names
    return k8s_object(
        "policy/v1",
        "PodDisruptionBudget",
        names.deployment,
        labels=names.base_labels,
        spec={"maxUnavailable": budget.max_unavailable, "selector": {"matchLabels": dict(names.selector_labels)}},
    )


def autoscaler(plan: Plan) -> dict[str, Any] | None:
    scaling = plan.spec.availability.autoscaling
    if not scaling.enabled:
        return None
    names = plan.names
    return k8s_object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        names.deployment,
        labels=names.base_labels,
        spec={
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": names.deployment},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": scaling.target_cpu_utilization},
                    },
                }
            ],
        },
    )
