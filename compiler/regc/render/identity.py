"""The registry's ServiceAccount: its own identity, with no API token mounted (it needs none)."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def service_account(plan: Plan) -> dict[str, Any]:
    return k8s_object(
        "v1",
        "ServiceAccount",
        plan.names.service_account,
        labels=plan.names.base_labels,
        automountServiceAccountToken=False,
    )
