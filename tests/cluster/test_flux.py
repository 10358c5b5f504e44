"""Flux reconciles the compiled tree: the repository served over HTTP by a local Git server, Flux's
source-controller and kustomize-controller running against the test API server, the bootstrap
objects and the `sops-age` Secret applied exactly as the README says. What lands is checked (the
Secrets decrypted to the secrets file's values, the Deployment, the radosgw front), and a
changed spec, rebuilt and pushed, is reconciled too."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.cluster.flux import RolloutStandIn, start_flux, wait_ready
from tests.cluster.git_server import GitServer, publish
from tests.conftest import TEST_KEY, run_regc, write_spec
from tests.secrets_helpers import decrypt_file

pytestmark = pytest.mark.e2e


def test_flux_reconciles_the_tree_and_a_change(repo: Path, tmp_path: Path, processes, cluster):
    git = GitServer(tmp_path / "git")
    rollout = RolloutStandIn(cluster, "fluxed")
    try:
        body = (
            f"namespace: fluxed\nstorage:\n  driver: swift\n  username: flux:registry\n  container: c-fluxed\n"
            f"  credentials: generate\nradosgw:\n  hosts: [10.0.0.1]\n"
            f"auth:\n  htpasswd:\n    users: [alice]\n    bcryptCost: 5\n    generateMissingPasswords: true\n"
            f"gitops:\n  engine: flux\n  repoURL: {git.url}/registry-gitops.git\n  interval: 1m\n"
        )
        write_spec(repo, "fluxed", body)
        assert run_regc("build", cwd=repo).code == 0
        first = publish(repo, git.root / "registry-gitops.git", "registry: fluxed")
        start_flux(cluster, tmp_path / "flux", processes)
        # The README's command, with the test-only key.
        cluster.kubectl(
            "create", "secret", "generic", "sops-age", "--namespace=flux-system", f"--from-file=age.agekey={TEST_KEY}"
        )
        cluster.kubectl("apply", "-f", str(repo / "overlays" / "fluxed" / "gitops"))
        wait_ready(cluster, "gitrepository", "registry-fluxed", first)
        wait_ready(cluster, "kustomization.kustomize.toolkit.fluxcd.io", "registry-fluxed", first)

        values = decrypt_file(repo / "environments" / "fluxed.secrets.yaml")
        secret = json.loads(
            cluster.kubectl("get", "secret", "registry-http-secret", "-n", "fluxed", "-o", "json").stdout
        )
        assert base64.b64decode(secret["data"]["http-secret"]).decode() == values["httpSecret"]
        storage = json.loads(cluster.kubectl("get", "secret", "registry-storage", "-n", "fluxed", "-o", "json").stdout)
        assert base64.b64decode(storage["data"]["swift-password"]).decode() == values["swift"]["password"]
        cluster.kubectl("get", "deployment", "registry", "-n", "fluxed")
        cluster.kubectl("get", "deployment", "radosgw-front", "-n", "fluxed")  # the front that checks the host
        front = json.loads(cluster.kubectl("get", "configmap", "radosgw-front", "-n", "fluxed", "-o", "json").stdout)
        assert "server rgw1 10.0.0.1:7480" in front["data"]["haproxy.cfg"]

        write_spec(repo, "fluxed", body + "registry:\n  logLevel: debug\n")
        assert run_regc("build", cwd=repo).code == 0
        second = publish(repo, git.root / "registry-gitops.git", "registry: fluxed logs debug")
        cluster.kubectl(
            "annotate",
            "--overwrite",
            "-n",
            "flux-system",
            "gitrepository/registry-fluxed",
            "reconcile.fluxcd.io/requestedAt=now",
        )
        wait_ready(cluster, "kustomization.kustomize.toolkit.fluxcd.io", "registry-fluxed", second)
        config = json.loads(cluster.kubectl("get", "configmap", "registry-config", "-n", "fluxed", "-o", "json").stdout)
        assert "level: debug" in config["data"]["config.yml"]
    finally:
        rollout.stop()
        git.stop()
