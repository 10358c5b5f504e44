"""End to end: a registry whose storage credentials, HTTP secret and htpasswd file come from Secrets
regc never writes, and whose TLS Secret is shaped exactly as cert-manager writes it (`tls.crt`,
`tls.key`, `ca.crt`). The test plays the operators and cert-manager (it puts those Secrets into the
API server), then the kubelet; the real registry stores on real radosgw through S3."""

from __future__ import annotations

import base64
import datetime
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from ruamel.yaml import YAML

from regc.plan.names import certificate_names
from regc.secrets import htpasswd, tls
from tests.conftest import run_regc, write_spec
from tests.e2e.registry import start_registry
from tests.e2e.test_operations import _Receiver
from tests.e2e.test_registry import bucket_owner, round_trip

pytestmark = pytest.mark.e2e

ACCESS_KEY, SECRET_KEY = "REGCBYOACCESSKEY0001", "byo-secret-key-of-the-bucket-claim-0123"
SPEC = (
    "namespace: byo\nstorage:\n  driver: s3\n  bucket: registry-byo\n"
    "  regionendpoint: http://rgw.ceph.example.internal:7480\n"
    "  credentials: secret\n  credentialsSecret: {name: registry-bucket}\n"
    "registry:\n  httpSecretRef: {name: registry-shared, key: http-secret}\n"
    "auth:\n  htpasswd:\n    secretRef: {name: registry-users, key: htpasswd}\n"
    "tls:\n  certificate: cert-manager\n  certManager: {issuer: registry-ca, issuerKind: ClusterIssuer}\n"
    "  extraNames: [127.0.0.1]\n"
    "notifications:\n  - name: audit\n    url: http://hooks.audit.svc:8080/events\n    timeout: 2s\n    backoff: 1s\n"
    "    headerSecrets: {Authorization: {name: audit-hook, key: token}}\n"
)


def _secret(name: str, data: dict[str, str], kind: str = "Opaque") -> dict:
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "byo"},
        "type": kind,
        "data": encoded,
    }


def test_referenced_secrets_and_a_cert_manager_secret_serve_pushes(repo: Path, tmp_path: Path, processes, ceph):
    from tests.cluster.apiserver import apply_overlay, objects_in, shared_cluster

    bucket_owner(ceph, "registry-byo", ACCESS_KEY, SECRET_KEY, "registry-byo", tmp_path)  # the claim's
    write_spec(repo, "byo", SPEC)
    built = run_regc("build", cwd=repo)
    assert built.code == 0, built.stderr
    assert not list((repo / "overlays" / "byo").glob("secret-*.yaml"))  # regc sealed none of them

    cluster = shared_cluster()
    apply_overlay(cluster, repo, "byo")
    # cert-manager's Secret for the Certificate regc emitted, and the operators' Secrets.
    from regc.compiler import Compiler, disk_world

    [env] = Compiler(disk_world(repo)).load([repo / "environments" / "byo.yaml"])
    now = datetime.datetime.now(datetime.UTC)
    ca_cert, ca_key = tls.make_ca("cert-manager test CA", "ecdsa-p256", now)
    cert, key = tls.issue_server(ca_cert, ca_key, certificate_names(env.spec), "ecdsa-p256", now, 30)
    password = "alice-password-from-the-operator"
    [line] = htpasswd.hash_lines([("alice", password)], 5).values()
    secrets = [
        _secret("registry-tls", {"tls.crt": cert, "tls.key": key, "ca.crt": ca_cert}, "kubernetes.io/tls"),
        _secret("registry-bucket", {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}),
        _secret("registry-shared", {"http-secret": "a-shared-http-secret-of-the-fleet"}),
        _secret("registry-users", {"htpasswd": line + "\n"}),
        _secret("audit-hook", {"token": "Bearer byo-hook-token"}),
    ]
    stream = "".join("---\n" + _dump(s) for s in secrets)
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=stream)

    ca = tmp_path / "ca.crt"
    ca.write_text(ca_cert)
    objects = objects_in(cluster, "byo")
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    hosts = {"rgw.ceph.example.internal": "127.0.0.1", "hooks.audit.svc:8080": f"127.0.0.1:{hook.server_port}"}
    try:
        registry = start_registry(objects, tmp_path / "registry", processes, ca=ca, hosts=hosts)
        _serves(registry, tmp_path, password, objects)
    finally:
        hook.shutdown()


def _serves(registry, tmp_path: Path, password: str, objects: list[dict]) -> None:
    assert registry.url.startswith("https://")
    round_trip(registry, tmp_path, "e2e/byo", "alice", password)  # into radosgw with the claim's keys
    assert registry.status("/v2/", "alice", "wrong") == 401
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "registry")
    assert deployment["metadata"]["annotations"]["secret.reloader.stakater.com/reload"] == (
        "audit-hook,registry-bucket,registry-shared,registry-tls,registry-users"
    )
    # The webhook's header came from the Secret audit-hook, through the variable the kubelet expanded.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _Hook.received:
        time.sleep(0.2)
    assert _Hook.received, "no event reached the webhook"
    headers, envelope = _Hook.received[0]
    assert headers["Authorization"] == "Bearer byo-hook-token"
    assert any(event["action"] == "push" for event in envelope["events"])


class _Hook(_Receiver):
    received: ClassVar[list[tuple[dict, dict]]] = []


def _dump(obj: dict) -> str:
    import io

    buffer = io.StringIO()
    YAML(typ="safe", pure=True).dump(obj, buffer)
    return buffer.getvalue()
