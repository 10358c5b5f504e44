"""The registry's ServiceAccount: its own identity, with no API token mounted (it needs none)."""

from __future__ import annotations

from typing import Any

from regc.plan.plan import Plan
from regc.render.meta import k8s_object


def service_account(plan: Plan) -> dict[str, Any]:
    return k8s_object(
        "v1",
        "ServiceAccount",
        plan.names.service_account,
        labels=plan.names.base_labels,
        automountServiceAccountToken=False,
    )
