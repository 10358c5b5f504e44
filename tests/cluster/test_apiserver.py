"""The compiled tree against the real kube-apiserver: every example overlay (Secrets decrypted by
`regc render`, as a cluster without an engine receives them) and every bootstrap object is accepted
as applied, with the published CRDs installed; and what regc refuses at compile time, the server
refuses too (our schema models agree with the real contract)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from regc import yamltext
from tests.cluster.apiserver import APPLY, ensure_namespaces
from tests.conftest import EXAMPLE_SPECS, load_yaml_file, run_regc, write_spec
from tests.crd_schema import problems

pytestmark = pytest.mark.e2e
# The one warning regc lets through: the v1 Endpoints object that `radosgw.legacyEndpoints` asks for.
LEGACY_ENDPOINTS = "v1 Endpoints is deprecated"
WORKLOADS = ("Deployment", "DaemonSet", "Job")


def apply_overlay(cluster, root: Path, env: str, allowed: tuple[str, ...] = ()) -> list[dict]:
    """`regc render ENV | kubectl apply --server-side` (namespaces the objects need made first), and
    each pod template dry-run as a Pod, so that Pod Security admission judges it: no controller runs.
    Any warning of the server fails it (as --warnings-as-errors would) unless `allowed` names it."""
    rendered = run_regc("render", env, cwd=root)
    assert rendered.code == 0, rendered.stderr
    objects = [o for o in YAML(typ="safe", pure=True).load_all(rendered.stdout) if o]
    ensure_namespaces(cluster, {o["metadata"]["namespace"] for o in objects if "namespace" in o["metadata"]}
                      | {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"})
    applied = cluster.kubectl(*APPLY, stdin=rendered.stdout)
    assert "serverside-applied" in applied.stdout
    warnings = [line for line in applied.stderr.splitlines() if line.startswith("Warning:")]
    assert all(any(text in line for text in allowed) for line in warnings), warnings
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            cluster.kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(as_pod(obj)))
    return objects


def as_pod(workload: dict) -> dict:
    template = workload["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{workload['metadata']['name']}-template", "namespace":
                         workload["metadata"]["namespace"], "labels": template["metadata"].get("labels", {})},
            "spec": template["spec"]}


def test_every_example_and_bootstrap_object_is_accepted(built: Path, cluster):
    for spec in EXAMPLE_SPECS:
        apply_overlay(cluster, built, spec.stem)
    bootstrap = sorted(built.glob("overlays/*/gitops/*.yaml")) + sorted((built / "argocd").glob("*.yaml"))
    assert bootstrap
    for path in bootstrap:
        cluster.kubectl("apply", "--server-side", "--dry-run=server", "-f", str(path))
    deployment = json.loads(cluster.kubectl("get", "deployment", "registry", "-n", "kube-registry", "-o",
                                            "json").stdout)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["tcpSocket"]


def test_every_variant_is_accepted(repo: Path, cluster):
    from tests.test_kustomize import VARIANTS

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
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    refused = cluster.kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(as_pod(deployment)),
                              check=False)
    assert refused.returncode != 0 and "violates PodSecurity" in refused.stderr


@pytest.mark.parametrize("damage, field", [
    (lambda spec: spec.update(interval="500us"), "spec.interval"),
    (lambda spec: spec.update(url="git@github.com:org/repo.git"), "spec.url"),
    (lambda spec: spec.update(bogus=True), "bogus"),
    (lambda spec: spec.update(serviceAccountName="sa"), "serviceAccountName can only be set"),
])
def test_the_server_and_our_schema_model_refuse_the_same_objects(built: Path, cluster, damage, field: str):
    source = load_yaml_file(built / "overlays" / "staging" / "gitops" / "gitrepository.yaml")
    broken = copy.deepcopy(source)
    damage(broken["spec"])
    assert problems(broken), "our model of the CRD accepts it"
    refused = cluster.kubectl("apply", "--server-side", "--dry-run=server", "--validate=strict", "-f", "-",
                              stdin=yamltext.dump(broken), check=False)
    assert refused.returncode != 0 and field in refused.stderr, refused.stderr
