"""The ConfigMap holding config.yml."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def config_text(plan: Plan) -> str:
    """config.yml exactly as the pod reads it."""
    return plan.config_text


def configmap(plan: Plan) -> dict[str, Any]:
    return k8s_object(
        "v1", "ConfigMap", plan.names.config_map, labels=plan.names.base_labels, data={"config.yml": config_text(plan)}
    )
