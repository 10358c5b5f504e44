"""The compiled tree against the real kube-apiserver: every example overlay (Secrets decrypted by
`regc render`, as a cluster without an engine receives them) and every bootstrap object is accepted
as applied, with the published CRDs installed; and what regc refuses at compile time, the server
refuses too (our schema models agree with the real contract)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from regc import yamltext
from tests.cluster.apiserver import LEGACY_ENDPOINTS, apply_overlay, as_pod
from tests.conftest import EXAMPLE_SPECS, load_yaml_file, run_regc, write_spec
from tests.crd_schema import problems

pytestmark = pytest.mark.e2e


def test_every_example_and_bootstrap_object_is_accepted(built: Path, cluster):
    for spec in EXAMPLE_SPECS:
        apply_overlay(cluster, built, spec.stem)
    bootstrap = sorted(built.glob("overlays/*/gitops/*.yaml")) + sorted((built / "argocd").glob("*.yaml"))
    assert bootstrap
    for path in bootstrap:
        cluster.kubectl("apply", "--server-side", "--dry-run=server", "-f", str(path))
    deployment = json.loads(
        cluster.kubectl("get", "deployment", "registry", "-n", "kube-registry", "-o", "json").stdout
    )
    assert deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["tcpSocket"]


def test_every_variant_is_accepted(repo: Path, cluster):
    from tests.variants import VARIANTS

    for index, variant in enumerate(sorted(VARIANTS)):
        write_spec(repo, f"k{index}", f"namespace: k{index}\n" + VARIANTS[variant].format(name=f"k{index}"))
    assert run_regc("build", cwd=repo).code == 0
    cluster.kubectl("create", "priorityclass", "infra", "--value=100000", check=False)  # the variants name it
    kinds = set()
    for index in range(len(VARIANTS)):
        allowed = (LEGACY_ENDPOINTS,) if "legacyEndpoints: true" in VARIANTS[sorted(VARIANTS)[index]] else ()
        kinds |= {o["kind"] for o in apply_overlay(cluster, repo, f"k{index}", allowed)}
    assert {"Deployment", "DaemonSet", "Job", "HorizontalPodAutoscaler", "ServiceMonitor", "EndpointSlice"} <= kinds


def test_pod_security_admission_is_live(built: Path, cluster):
    """A registry pod template made privileged (as an escape hatch that let it would) is refused by the
    real admission in the namespace regc labels `restricted`."""
    objects = apply_overlay(cluster, built, "prod")
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "registry")
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    refused = cluster.kubectl(
        "create", "--dry-run=server", "-f", "-", stdin=json.dumps(as_pod(deployment)), check=False
    )
    assert refused.returncode != 0 and "violates PodSecurity" in refused.stderr


@pytest.mark.parametrize(
    "damage, field",
    [
        (lambda spec: spec.update(interval="500us"), "spec.interval"),
        (lambda spec: spec.update(url="git@github.com:org/repo.git"), "spec.url"),
        (lambda spec: spec.update(bogus=True), "bogus"),
        (lambda spec: spec.update(serviceAccountName="sa"), "serviceAccountName can only be set"),
    ],
)
def test_the_server_and_our_schema_model_refuse_the_same_objects(built: Path, cluster, damage, field: str):
    source = load_yaml_file(built / "overlays" / "staging" / "gitops" / "gitrepository.yaml")
    broken = copy.deepcopy(source)
    damage(broken["spec"])
    assert problems(broken), "our model of the CRD accepts it"
    refused = cluster.kubectl(
        "apply",
        "--server-side",
        "--dry-run=server",
        "--validate=strict",
        "-f",
        "-",
        stdin=yamltext.dump(broken),
        check=False,
    )
    assert refused.returncode != 0 and field in refused.stderr, refused.stderr
