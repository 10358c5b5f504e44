"""The examples on real nodes: delivered to three kubelets with containerd, routed by kube-proxy,
resolved by cluster DNS, and used by the real skopeo from a node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.oci import write_image
from tests.nodes.conftest import deliver, on_node, registry_ca, wait_rolled_out

pytestmark = pytest.mark.e2e


def test_dev_rolls_out_and_serves_pushes_through_its_service(nodes, built: Path, tmp_path: Path):
    objects = deliver(nodes, built, "dev", tmp_path)  # Argo CD's path: the repo-server's render, applied
    wait_rolled_out(nodes, objects)
    pods = nodes.json("get", "pods", "-n", "registry-dev", "-l", "app.kubernetes.io/component=registry")["items"]
    assert pods and all(p["status"]["phase"] == "Running" for p in pods)
    assert all(c.get("restartCount") == 0 for p in pods for c in p["status"]["containerStatuses"])
    # The namespace enforces `restricted` (Pod Security admission refuses a plain pod there), so the
    # registry's pods running there meet it.
    plain = nodes.kubectl(
        "run", "plain", "-n", "registry-dev", "--image=docker.io/library/registry:3.0.0", "--dry-run=server",
        check=False,
    )  # fmt: skip
    assert plain.returncode != 0 and 'violates PodSecurity "restricted:latest"' in plain.stderr, plain.stderr
    # No Service hands the registry a REGISTRY_* variable: distribution would read it as configuration.
    names = sorted(nodes.container_env(pods[0], "registry"))  # names only: one value is the HTTP secret
    assert "REGISTRY_HTTP_SECRET" in names  # the variable regc sets is there
    links = [n for n in names if n.endswith(("_SERVICE_HOST", "_PORT")) and not n.startswith("KUBERNETES_")]
    assert not links, links  # (the kubelet gives every pod the API server's KUBERNETES_* whatever the pod says)
    layout = tmp_path / "layout"
    write_image(layout, "v1", "hello from a real node")
    certs = registry_ca(nodes, "registry-dev", tmp_path)
    host = "registry.registry-dev.svc:5000"
    pushed = on_node(
        nodes,
        0,
        "skopeo",
        "--insecure-policy",
        "copy",
        "--dest-cert-dir",
        str(certs),
        f"oci:{layout}:v1",
        f"docker://{host}/hello:v1",
    )
    assert pushed.returncode == 0, pushed.stderr
    pulled = on_node(
        nodes, 2, "skopeo", "--insecure-policy", "inspect", "--cert-dir", str(certs), f"docker://{host}/hello:v1"
    )
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads(pulled.stdout)["Digest"].startswith("sha256:")
