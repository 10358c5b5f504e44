"""Valid by construction: overlays build with the real kustomize into exactly what regc rendered,
and every object passes the Kubernetes API schemas (strict: unknown fields fail)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from regc.compiler import Compiler, disk_world
from regc.plan.plan import plan_for
from regc.secrets.stage import SecretStage
from tests import kube_schema
from tests.conftest import EXAMPLE_SPECS, kustomize, run_regc, write_spec
from tests.kustomize_model import by_identity, expected_objects
from tests.variants import VARIANTS, Built, environment

KUBERNETES_VERSIONS = ["1.29", "1.37"]

CUSTOM_RESOURCES = (
    "monitoring.coreos.com/",
    "cert-manager.io/",
    "external-secrets.io/",
)  # checked against their published CRDs in test_contract


def _compare(root: Path, name: str, built: list[dict]) -> None:
    """The objects kustomize built for `name` are exactly those regc rendered (tests/kustomize_model)."""
    [env] = Compiler(disk_world(root)).load([root / "environments" / f"{name}.yaml"])
    plan = plan_for(env.name, env.spec)
    now = datetime.datetime.now(datetime.UTC)
    secrets = SecretStage(disk_world(root), plan, now, may_decrypt=False).run()
    assert not secrets.unresolved
    assert by_identity(built) == by_identity(expected_objects(plan, secrets))


def kustomized_as_rendered(root: Path, name: str) -> list[dict]:
    """The objects kustomize builds for the overlay of `name`, shown to be those regc rendered."""
    objects = kustomize(root / "overlays" / name)
    _compare(root, name, objects)
    return objects


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLE_SPECS])
def test_example_overlay_builds_into_its_render(built: Path, name: str):
    kustomized_as_rendered(built, name)


@pytest.mark.xdist_group("variants")
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_overlay_builds_into_its_render(variants: Built, variant: str):
    name = environment(variant)
    _compare(variants.root, name, variants.objects(name))


@pytest.mark.xdist_group("variants")
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_passes_the_kubernetes_schemas(variants: Built, version: str):
    """Every object of the examples and of every variant, as kustomize builds it and sops decrypts it."""
    overlays = [p.stem for p in EXAMPLE_SPECS] + [environment(v) for v in sorted(VARIANTS)]
    objects = [
        obj
        for overlay in overlays
        for obj in variants.decrypted(overlay)
        if not obj["apiVersion"].startswith(CUSTOM_RESOURCES)
    ]
    for obj in objects:
        kube_schema.validate(obj, version)
    assert len(objects) >= 5 * len(overlays)


def test_schema_validation_would_catch_a_bad_object():
    """The validator really is strict: an unknown field and a wrong type fail."""
    with pytest.raises(kube_schema.ValidationError):
        kube_schema.validate(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}}, "1.37"
        )


def test_registry_3_reads_config_from_etc_distribution(repo: Path):
    write_spec(repo, "v3", "namespace: v3\nregistry:\n  image: registry:3.0.0\n")
    assert run_regc("build", "environments/v3.yaml", cwd=repo).code == 0
    deployment = next(o for o in kustomize(repo / "overlays" / "v3") if o["kind"] == "Deployment")
    mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "config", "mountPath": "/etc/distribution", "readOnly": True} in mounts
