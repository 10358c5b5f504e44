"""Argo CD's render path, for real: what its repo-server runs for an overlay with the KSOPS layout
(`kustomize build --enable-alpha-plugins --enable-exec`, KSOPS on PATH, the age key in
SOPS_AGE_KEY_FILE), the decrypted Secrets checked against the secrets file, and the result applied
server-side to the real API server."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.cluster.apiserver import APPLY, ensure_namespaces
from tests.cluster.argocd import repo_server_build
from tests.secrets_helpers import decrypt_file

pytestmark = pytest.mark.e2e
ARGOCD_EXAMPLES = ["dev", "mirror", "prod"]


@pytest.mark.parametrize("env", ARGOCD_EXAMPLES)
def test_the_repo_server_decrypts_and_the_cluster_accepts(built: Path, tmp_path: Path, cluster, env: str):
    overlay = built / "overlays" / env
    assert "generators:\n  - secret-generator.yaml" in (overlay / "kustomization.yaml").read_text()
    objects = repo_server_build(overlay, tmp_path)
    secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
    assert secrets and not any("sops" in o for o in objects)
    values = decrypt_file(built / "environments" / f"{env}.secrets.yaml")
    http = base64.b64decode(secrets["registry-http-secret"]["data"]["http-secret"]).decode()
    assert http == values["httpSecret"]
    tls = secrets["registry-tls"]["data"]
    assert base64.b64decode(tls["tls.key"]).decode().strip() == values["tls"]["key"].strip()
    for name, user in (("registry-smoke-credentials", "ci-pull"),) if env == "prod" else ():
        assert base64.b64decode(secrets[name]["data"]["password"]).decode() == values["users"][user]
    ensure_namespaces(cluster, {o["metadata"]["namespace"] for o in objects if "namespace" in o["metadata"]})
    applied = cluster.kubectl(*APPLY, stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    assert "serverside-applied" in applied.stdout
