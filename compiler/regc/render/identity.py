"""The registry's ServiceAccount: its own identity, with no API token mounted (it needs none)."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def service_account(plan: Plan) -> dict[str, Any]:
    """Cloud workload identities (EKS, GKE, Azure) read the annotations; their webhooks project a
    token of their own, so the API token stays unmounted."""
    obj = k8s_object(
        "v1",
        "ServiceAccount",
        plan.service_account,
        labels=plan.names.base_labels,
        automountServiceAccountToken=False,
    )
    annotations = plan.spec.service_account.annotations
    if annotations:
        obj["metadata"]["annotations"] = dict(sorted(annotations.items()))
    return obj
