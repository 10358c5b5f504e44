"""The environment's Namespace, labelled for the Pod Security Standard its pods meet."""

from __future__ import annotations

from typing import Any

from regc.kube import k8s_object
from regc.plan.plan import Plan

PSS = "pod-security.kubernetes.io"


def namespace(plan: Plan) -> dict[str, Any]:
    """Every pod regc emits meets `restricted`, so the namespace enforces it (and warns); except with
    the node proxy, whose hostPort no Pod Security level but `privileged` admits: then it only audits,
    since a warning would come back on every apply of the DaemonSet and teach people to ignore them."""
    obj = k8s_object("v1", "Namespace", plan.namespace, labels=plan.names.base_labels)
    labels = {f"{PSS}/audit": "restricted"}
    if not plan.spec.node_proxy.enabled:
        labels[f"{PSS}/enforce"] = "restricted"
        labels[f"{PSS}/warn"] = "restricted"
    obj["metadata"]["labels"].update(sorted(labels.items()))
    return obj
