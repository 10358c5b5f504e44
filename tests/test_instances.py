"""Two registries in one namespace on purpose (an `instance` each), and no object emitted by two
environments by accident: regc refuses the collision, naming both specs and the objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import kube_schema
from tests.conftest import decrypt_object, example_repository, run_regc, write_spec
from tests.crd_schema import is_custom, problems
from tests.memory import MemoryRepo
from tests.test_kustomize import kustomized_as_rendered

MIRROR = (
    "namespace: shared\ninstance: mirror\ncreateNamespace: false\nregistry:\n  image: registry:3.0.0\n"
    "proxy:\n  remoteurl: https://registry-1.docker.io\n"
    "metrics:\n  enabled: true\n  serviceMonitor: true\n  prometheusRule: true\n"
    "networkPolicy:\n  enabled: true\n  egressCidrs: [0.0.0.0/0]\n"
    "auth:\n  htpasswd:\n    users: [puller]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: puller\n  namespaces: [team-a]\n  name: mirror-pull\nsmokeTest:\n  enabled: true\n"
    "nodeProxy:\n  enabled: true\n  hostPort: 5001\n"
)
PRIVATE = (
    "namespace: shared\nmetrics:\n  enabled: true\n  serviceMonitor: true\nnetworkPolicy:\n  enabled: true\n"
    "auth:\n  htpasswd:\n    users: [puller]\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: puller\n  namespaces: [team-a]\nsmokeTest:\n  enabled: true\n"
)


def identity(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def test_two_registries_share_a_namespace_without_touching_each_other(tmp_path: Path):
    """On disk, with the real kustomize: the objects of two instances are those regc rendered."""
    disk = example_repository(tmp_path)
    write_spec(disk, "private", PRIVATE)
    write_spec(disk, "cache", MIRROR)
    result = run_regc("build", "environments/private.yaml", "environments/cache.yaml", cwd=disk)
    assert result.code == 0, result.stderr
    private, cache = (kustomized_as_rendered(disk, name) for name in ("private", "cache"))
    assert not {identity(o) for o in private} & {identity(o) for o in cache}
    assert {o["metadata"]["name"] for o in cache if o["kind"] == "Deployment"} == {"mirror"}
    assert "ConfigMap/shared/mirror-config" in {f"{k}/{n}/{m}" for k, n, m in map(identity, cache)}
    assert not [o for o in cache if o["kind"] == "Namespace"]
    # Every selector of one registry selects only its own pods.
    pods = {
        name: [
            o["spec"]["template"]["metadata"]["labels"]
            for o in objects
            if o["kind"] in ("Deployment", "Job", "DaemonSet")
        ]
        for name, objects in (("private", private), ("cache", cache))
    }
    for name, objects, other in (("private", private, "cache"), ("cache", cache, "private")):
        for obj in objects:
            selector = (obj.get("spec") or {}).get("selector")
            if obj["kind"] == "Service" and selector:
                matched = selector
            elif obj["kind"] in ("Deployment", "PodDisruptionBudget", "DaemonSet") and selector:
                matched = selector["matchLabels"]
            elif obj["kind"] == "NetworkPolicy":
                matched = obj["spec"]["podSelector"]["matchLabels"]
            else:
                continue
            assert any(selects(matched, labels) for labels in pods[name]), (name, identity(obj))
            assert not any(selects(matched, labels) for labels in pods[other]), (name, identity(obj))
        for obj in objects:
            obj = decrypt_object(obj)
            if is_custom(obj):
                assert problems(obj) == []
            else:
                kube_schema.validate(obj)
    # The mirror's clients reach it by its own Service name, which its certificate carries.
    job = next(o for o in cache if o["kind"] == "Job")
    env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["REGISTRY_URL"] == "https://mirror.shared.svc:5000"


@pytest.mark.parametrize(
    "second, message, hint",
    [
        (
            "namespace: shared\n",
            "ServiceAccount/shared/registry, ConfigMap/shared/registry-config",
            "give one of them its own `instance`",
        ),
        (
            "namespace: shared\ninstance: mirror\n",
            "Namespace/shared: also emitted by environment 'private'",
            "set createNamespace: false",
        ),
        (
            "namespace: other\nnodeProxy:\n  enabled: true\n",  # the example staging has a node proxy on 5000
            "hostPort/5000: also emitted by environment 'staging' (environments/staging.yaml)",
            "nodeProxy.hostPort",
        ),
        (
            "namespace: other\nauth:\n  htpasswd:\n    users: [p]\n    generateMissingPasswords: true\n"
            "pullSecrets:\n  user: p\n  namespaces: [team-a]\n",
            "Secret/team-a/registry-pull: also emitted by environment",
            "pullSecrets.name",
        ),
    ],
)
def test_object_collisions_across_environments_are_refused(memory: MemoryRepo, second: str, message: str, hint: str):
    memory.write_spec("private", PRIVATE)
    assert memory.build("private").code == 0
    memory.write_spec("second", second)
    result = memory.build("second")
    assert result.code == 2, result.stderr
    assert message in result.stderr and hint in result.stderr
    assert "environments/second.yaml:" in result.stderr and "(environments/" in result.stderr
    assert not any(name.startswith("overlays/second/") for name in memory.tree())


def test_the_default_instance_moves_nothing(memory: MemoryRepo):
    """Names derive from `instance`; its default gives every earlier name (the committed tree)."""
    assert memory.build().code == 0
    before = memory.read("overlays/dev/kustomization.yaml")
    spec = memory.read("environments/dev.yaml").decode()
    memory.memory.write(
        memory.root / "environments/dev.yaml",
        spec.replace("namespace: registry-dev", "namespace: registry-dev\ninstance: registry").encode(),
    )
    rebuilt = memory.build()
    assert rebuilt.code == 0 and memory.read("overlays/dev/kustomization.yaml") == before
    assert any(o["metadata"]["name"] == "registry-config" for o in rebuilt.objects["dev"])


def test_environments_of_different_clusters_may_share_names(memory: MemoryRepo):
    git = "gitops:\n  engine: argocd\n  repoURL: https://git.example/r.git\n"
    memory.write_spec("east", "namespace: shared\n" + git + "  destinationServer: https://east.example:6443\n")
    memory.write_spec("west", "namespace: shared\n" + git + "  destinationServer: https://west.example:6443\n")
    result = memory.build("east", "west")
    assert result.code == 0, result.stderr
