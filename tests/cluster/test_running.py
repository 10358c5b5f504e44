"""From the API server to a running registry: the overlay is applied to the real kube-apiserver, and
the kubelet emulation reads the Deployment, ConfigMap and Secrets back from it (as the kubelet does),
then runs the registry binary of the image's major version. Here a `registry:3` pull-through cache
with `proxy.ttl` (v3 only) pulls from a real upstream behind token auth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cluster.apiserver import apply_overlay, objects_in
from tests.conftest import run_regc, write_spec
from tests.e2e.registry import pull, start_registry
from tests.e2e.test_operations import upstream  # noqa: F401 - the fixture: a private upstream, token auth
from tests.secrets_helpers import set_secret_value

pytestmark = pytest.mark.e2e


def test_a_v3_cache_runs_from_what_the_api_server_holds(repo: Path, tmp_path: Path, processes, cluster, upstream):  # noqa: F811
    host, _tokens, digest = upstream
    body = (
        "namespace: v3cache\ntls:\n  enabled: false\nregistry:\n  image: registry:3.0.0\n"
        "proxy:\n  remoteurl: http://registry.upstream.example:5000\n  ttl: 1h\n"
    )
    write_spec(repo, "v3cache", body)
    assert run_regc("build", cwd=repo).code == 0
    set_secret_value(repo, "v3cache", '["proxy"]', {"username": "mirror", "password": "mirror-password-1"})
    write_spec(repo, "v3cache", body + "  credentials: true\n")
    assert run_regc("build", cwd=repo).code == 0
    apply_overlay(cluster, repo, "v3cache")
    objects = objects_in(cluster, "v3cache")
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "registry-config")
    assert "ttl: 1h" in config["data"]["config.yml"]
    assert any(o["kind"] == "Secret" and o["metadata"]["name"] == "registry-credentials" for o in objects)
    cache = start_registry(
        objects, tmp_path / "cache", processes, ca=None, name="v3cache", hosts={"registry.upstream.example:5000": host}
    )
    pulled = pull(cache, "library/tool", "1", None, None, tmp_path / "through-cache", tmp_path)
    assert pulled.returncode == 0, pulled.stderr[-1500:]
    assert json.loads((tmp_path / "through-cache" / "index.json").read_text())["manifests"][0]["digest"] == digest
    log = (tmp_path / "cache" / "v3cache.log").read_text()
    assert "version=v3.0.0" in log and "TTL expiration scheduler" in log, log[-800:]  # v3, ttl on
