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
from tests.cluster.apiserver import wait_established
from tests.conftest import EXAMPLE_SPECS, load_yaml_file, run_regc
from tests.crd_schema import CRDS, problems

pytestmark = pytest.mark.e2e
APPLY = ("apply", "--server-side", "--force-conflicts", "--field-manager=regc-test", "-f", "-")


@pytest.fixture(scope="module")
def cluster(control_plane):
    control_plane.kubectl("apply", "--server-side", "-f", str(CRDS))
    names = [YAML(typ="safe", pure=True).load(p.read_text())["metadata"]["name"] for p in sorted(CRDS.glob("*.yaml"))]
    wait_established(control_plane, names)
    for namespace in ("argocd", "flux-system", "apps", "ci"):
        control_plane.kubectl("create", "namespace", namespace, check=False)
    return control_plane


def test_every_example_and_bootstrap_object_is_accepted(built: Path, cluster):
    for spec in EXAMPLE_SPECS:
        rendered = run_regc("render", spec.stem, cwd=built)
        assert rendered.code == 0, rendered.stderr
        applied = cluster.kubectl(*APPLY, stdin=rendered.stdout)
        assert "serverside-applied" in applied.stdout
    bootstrap = sorted(built.glob("overlays/*/gitops/*.yaml")) + sorted((built / "argocd").glob("*.yaml"))
    assert bootstrap
    for path in bootstrap:
        cluster.kubectl("apply", "--server-side", "--dry-run=server", "-f", str(path))
    deployment = json.loads(cluster.kubectl("get", "deployment", "registry", "-n", "kube-registry", "-o",
                                            "json").stdout)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["tcpSocket"]


def test_the_restricted_namespace_refuses_a_privileged_pod(built: Path, cluster):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "intruder", "namespace": "kube-registry"},
           "spec": {"containers": [{"name": "x", "image": "busybox:1.36", "securityContext": {"privileged": True}}]}}
    rendered = run_regc("render", "prod", cwd=built)
    cluster.kubectl(*APPLY, stdin=rendered.stdout)
    refused = cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(pod), check=False)
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
