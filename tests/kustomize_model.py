"""What `kubectl kustomize overlays/<env>` prints for an overlay regc wrote, modelled for tests: regc's
own render of the environment, with the namespace and the labels its kustomization gives every
object (the instance label and the spec's `labels`, on each object and each pod template, never
in selectors). tests/test_kustomize.py holds this model to the real kustomize."""

from __future__ import annotations

import copy

from ruamel.yaml import YAML

from regc.plan.names import INSTANCE_LABEL
from regc.plan.plan import Plan
from regc.render.environment import RenderedEnvironment, workload_objects
from regc.render.namespace import namespace
from regc.secrets.stage import SecretFiles

CLUSTER_SCOPED = {"Namespace"}


def expected_objects(plan: Plan, secrets: SecretFiles) -> list[dict]:
    """The objects kustomize must print for `plan`'s overlay, its encrypted Secrets as committed
    (kustomize passes their sops metadata through)."""
    own = [*([namespace(plan)] if plan.spec.create_namespace else []), *workload_objects(plan, secrets.checksum)]
    return _as_kustomize_prints(plan, own, secrets)


def overlay_objects(rendered: RenderedEnvironment, secrets: SecretFiles) -> list[dict]:
    """The same, for an environment a build rendered (regc.compiler.Compiled.rendered)."""
    own = [*([rendered.namespace] if rendered.namespace else []), *rendered.workload]
    return _as_kustomize_prints(rendered.plan, own, secrets)


def _as_kustomize_prints(plan: Plan, own: list[dict], secrets: SecretFiles) -> list[dict]:
    encrypted = [YAML(typ="safe", pure=True).load(secrets.files[name]) for name in secrets.resources]
    labels = {INSTANCE_LABEL: plan.name, **plan.spec.labels}
    objects = [*copy.deepcopy(own), *encrypted]
    for obj in objects:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"].setdefault("namespace", plan.namespace)
        obj["metadata"].setdefault("labels", {}).update(labels)
        template = obj.get("spec", {}).get("template")
        if template is not None:
            template["metadata"].setdefault("labels", {}).update(labels)
    return objects


def by_identity(objects: list[dict]) -> dict[tuple, dict]:
    return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}
