"""Docs that run, the how-to guides: every shell block of each guide runs in a copy of the compiled
example repository (with the test-only key) against the session's real API server, and each output
a guide shows is compared with what its block printed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO, TEST_KEY
from tests.docs_runner import run_page, steps

pytestmark = pytest.mark.e2e

GUIDES = sorted(p.name for p in (REPO / "docs" / "how-to").glob("*.md") if steps(p.read_text(encoding="utf-8")))


def test_the_guides_with_shell_blocks_are_the_ones_run():
    assert GUIDES == [
        "ceph-storage.md",
        "flux.md",
        "from-helm-chart.md",
        "from-manifests.md",
        "gitops.md",
        "rotate.md",
    ]


@pytest.mark.parametrize("guide", GUIDES)
def test_every_block_of_the_guide_runs(guide: str, built: Path, tmp_path: Path):
    from tests.cluster.apiserver import clear_namespace, ensure_namespaces, shared_cluster

    cluster = shared_cluster()
    # The cluster as the guides expect it: Flux installed (its namespace), no sops-age Secret yet,
    # and nothing of prod's applied by another test (under another field manager) before the guide's
    # own `kubectl apply --server-side`.
    if guide in ("gitops.md", "from-manifests.md"):
        ensure_namespaces(cluster, {"apps", "ci"})  # prod's pull secrets go to the apps' namespaces
        for namespace in ("kube-registry", "apps", "ci"):
            clear_namespace(cluster, namespace)
    if guide == "from-manifests.md":
        ensure_namespaces(cluster, {"kube-registry", "legacy"})  # the registries being moved run there already
        _run_the_guides_registry(cluster, "legacy")
    if guide == "from-helm-chart.md":
        ensure_namespaces(cluster, {"registry"})  # where the release runs
    if guide == "flux.md":
        cluster.kubectl("create", "namespace", "flux-system", check=False)
        cluster.kubectl("delete", "secret", "sops-age", "--namespace=flux-system", "--ignore-not-found")
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(TEST_KEY), "KUBECONFIG": str(cluster.kubeconfig)}
    env["HOME"] = str(tmp_path)
    before = (built / "environments" / "prod.secrets.yaml").read_bytes()
    run_page(REPO / "docs" / "how-to" / guide, built, env)
    if guide == "rotate.md":
        assert (built / "environments" / "prod.secrets.yaml").read_bytes() != before
        assert "age15vt7espls4skzytfvmue995chd2q7muhvy4qzgjsearmllxmj5jqwgaugf" in (built / ".sops.yaml").read_text()
    if guide == "flux.md":
        secret = cluster.kubectl("get", "secret", "sops-age", "--namespace=flux-system", "-o", "name").stdout
        assert secret.strip() == "secret/sops-age"
    if guide == "from-manifests.md":  # the guide's registry adopted from what runs, and built
        assert (built / "overlays" / "legacy" / "kustomization.yaml").is_file()
    if guide == "gitops.md":
        applied = cluster.kubectl("get", "deployment", "registry", "--namespace=kube-registry", "-o", "name").stdout
        assert applied.strip() == "deployment.apps/registry"


def _run_the_guides_registry(cluster, namespace: str) -> None:
    """The guide's registry as it runs today (its Deployment as apps/v1: the API server no longer
    serves apps/v1beta2)."""
    import json

    from tests.guide_manifests import rbd_registry

    objects, _ = rbd_registry(namespace)
    for obj in objects:
        if obj["kind"] == "Deployment":
            obj["apiVersion"] = "apps/v1"
    stream = "".join(json.dumps(obj) + "\n" for obj in objects)
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=stream)
