"""What the overlay's kustomization adds to rendered objects (namespace, labels), modelled for tests."""

from __future__ import annotations

import copy

from ruamel.yaml import YAML

from regc.emit.tree import _labels
from regc.plan.plan import Plan
from regc.render.environment import workload_objects
from regc.render.namespace import namespace
from regc.secrets.stage import SecretFiles

CLUSTER_SCOPED = {"Namespace"}


def expected_objects(plan: Plan, secrets: SecretFiles) -> list[dict]:
    """The objects `kubectl kustomize overlays/<env>` must print: regc's own render of the environment,
    and its encrypted Secrets as committed (kustomize passes their sops metadata through)."""
    encrypted = [YAML(typ="safe", pure=True).load(secrets.files[name]) for name in secrets.resources]
    objects = [
        *([namespace(plan)] if plan.spec.create_namespace else []),
        *copy.deepcopy(workload_objects(plan, secrets.checksum)),
        *encrypted,
    ]
    for obj in objects:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"].setdefault("namespace", plan.namespace)
        for entry in _labels(plan):
            pairs = entry["pairs"]
            obj["metadata"].setdefault("labels", {}).update(pairs)
            template = obj.get("spec", {}).get("template")
            if template is not None:
                template["metadata"].setdefault("labels", {}).update(pairs)
            if entry.get("includeSelectors"):
                if obj["kind"] == "Service":
                    obj["spec"]["selector"].update(pairs)
                elif "selector" in obj.get("spec", {}):
                    obj["spec"]["selector"]["matchLabels"].update(pairs)
    return objects


def by_identity(objects: list[dict]) -> dict[tuple, dict]:
    return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}
