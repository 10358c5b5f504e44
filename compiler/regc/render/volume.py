"""The PersistentVolumeClaim that holds images on filesystem storage."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan


def data_claim(plan: Plan) -> dict[str, Any] | None:
    storage = plan.spec.storage
    if storage.driver != "filesystem":
        return None
    spec: dict[str, Any] = {"accessModes": [storage.access_mode]}
    if storage.storage_class_name:
        spec["storageClassName"] = storage.storage_class_name
    spec["resources"] = {"requests": {"storage": storage.size}}
    return k8s_object("v1", "PersistentVolumeClaim", plan.names.data_claim, labels=plan.names.base_labels, spec=spec)
