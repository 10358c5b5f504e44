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
        spec={
            **(
                {"minAvailable": budget.min_available}
                if budget.min_available is not None
                else {"maxUnavailable": budget.max_unavailable or 1}
            ),
            "selector": {"matchLabels": dict(names.selector_labels)},
        },
    )


def autoscaler(plan: Plan) -> dict[str, Any] | None:
    scaling = plan.spec.availability.autoscaling
    if not scaling.enabled:
        return None
    names = plan.names
    targets = [("cpu", scaling.target_cpu_utilization)]
    if scaling.target_memory_utilization is not None:
        targets.append(("memory", scaling.target_memory_utilization))
    body: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": names.deployment},
        "minReplicas": scaling.min_replicas,
        "maxReplicas": scaling.max_replicas,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": target}},
            }
            for name, target in targets
        ],
    }
    if scaling.behavior is not None:
        body["behavior"] = scaling.behavior.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    return k8s_object(
        "autoscaling/v2", "HorizontalPodAutoscaler", names.deployment, labels=names.base_labels, spec=body
    )
