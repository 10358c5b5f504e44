"""End to end for the operations features: a pull-through cache in front of a second real registry,
the metrics listener that the alerts read, and webhook notifications with a secret header."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import kustomize, run_regc, write_spec
from tests.e2e.oci import write_image
from tests.e2e.registry import pull, push, skopeo
from tests.e2e.test_registry import round_trip, run_registry
from tests.e2e.token_upstream import TokenServer, start_token_upstream
from tests.secrets_helpers import set_secret_value

pytestmark = pytest.mark.e2e

CACHE = "namespace: cache\ntls:\n  enabled: false\nproxy:\n  remoteurl: http://registry.upstream.example:5000\n"


def build(root: Path) -> None:
    result = run_regc("build", cwd=root)
    assert result.code == 0, result.stderr


@pytest.fixture
def upstream(tmp_path: Path, processes):
    """A private upstream behind token auth (as Docker Hub is), holding library/tool:1."""
    tokens = TokenServer("mirror", "mirror-password-1")
    host = start_token_upstream(tmp_path / "upstream", processes, tokens)
    layout = tmp_path / "tool-image"
    digest = write_image(layout, "1", "the upstream's image\n")
    pushed = skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        "mirror:mirror-password-1",
        f"oci:{layout}:1",
        f"docker://{host}/library/tool:1",
    )
    assert pushed.returncode == 0, pushed.stderr[-1500:]
    yield host, tokens, digest
    tokens.stop()


def test_pull_through_cache_pulls_from_a_real_upstream_with_credentials(
    repo: Path, tmp_path: Path, processes, upstream
):
    host, tokens, digest = upstream
    write_spec(repo, "cache", CACHE)
    build(repo)
    set_secret_value(repo, "cache", '["proxy"]', {"username": "mirror", "password": "mirror-password-1"})
    write_spec(repo, "cache", CACHE + "  credentials: true\n")
    build(repo)
    before = len(tokens.requests)
    env = (repo / "overlays" / "cache" / "patches" / "deployment-registry.yaml").read_text()
    assert "REGISTRY_PROXY_PASSWORD" in env and "mirror-password-1" not in env

    cache = run_registry(
        repo, "cache", tmp_path, processes, name="cache", hosts={"registry.upstream.example:5000": host}
    )
    pulled = pull(cache, "library/tool", "1", None, None, tmp_path / "through-cache", tmp_path)
    assert pulled.returncode == 0, pulled.stderr[-1500:]
    assert json.loads((tmp_path / "through-cache" / "index.json").read_text())["manifests"][0]["digest"] == digest
    assert "mirror" in tokens.requests[before:]  # the cache logged in with the credentials from the secrets file
    assert "library/tool" in cache.catalog()
    # A pull-through cache refuses pushes.
    layout = tmp_path / "local-image"
    write_image(layout, "1", "pushed to the cache\n")
    refused = push(cache, layout, "1", "library/mine", None, None, tmp_path)
    assert refused.returncode != 0


def test_pull_through_cache_without_credentials_cannot_read_a_private_upstream(
    repo: Path, tmp_path: Path, processes, upstream
):
    host, tokens, _ = upstream
    write_spec(repo, "cache", CACHE)
    build(repo)
    before = len(tokens.requests)
    cache = run_registry(
        repo, "cache", tmp_path, processes, name="cache", hosts={"registry.upstream.example:5000": host}
    )
    pulled = pull(cache, "library/tool", "1", None, None, tmp_path / "through-cache", tmp_path)
    assert pulled.returncode != 0
    assert tokens.requests[before:] and "mirror" not in tokens.requests[before:]  # asked anonymously, refused


def test_metrics_listener_exports_what_the_alerts_read(repo: Path, tmp_path: Path, processes):
    write_spec(
        repo,
        "watched",
        "namespace: watched\ntls:\n  extraNames: [127.0.0.1]\n"
        "metrics:\n  enabled: true\n  serviceMonitor: true\n  prometheusRule: true\n",
    )
    build(repo)
    registry = run_registry(repo, "watched", tmp_path, processes)
    round_trip(registry, tmp_path, "e2e/watched", None, None)
    assert registry.pod.metrics_port is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{registry.pod.metrics_port}/metrics", timeout=10) as response:
        exported = response.read().decode()
    rule = next(p for p in (repo / "overlays" / "watched").glob("prometheusrule-*.yaml"))
    used = set(re.findall(r"\b(registry_[a-z_]+)", rule.read_text()))
    assert used, "the alerts read no registry metric"
    for name in used:
        assert re.search(rf"^{name}\{{", exported, re.M), f"{name} is not exported by the registry"
    assert re.search(r'^registry_http_requests_total\{.*code="201"', exported, re.M)  # the push counted


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict, dict]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_notifications_reach_a_webhook_with_their_secret_header(repo: Path, tmp_path: Path, processes):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = (
            "namespace: hooked\ntls:\n  extraNames: [127.0.0.1]\nnotifications:\n  - name: audit\n"
            "    url: http://hooks.audit.svc:8080/events\n    headers:\n      X-Source: regc\n"
            "    timeout: 2s\n    backoff: 1s\n"
        )
        write_spec(repo, "hooked", spec)
        build(repo)
        set_secret_value(repo, "hooked", '["notifications"]', {"audit": {"Authorization": "Bearer hook-token"}})
        write_spec(repo, "hooked", spec + "    secretHeaders: [Authorization]\n")
        build(repo)
        rendered = kustomize(repo / "overlays" / "hooked")
        config = next(o for o in rendered if o["kind"] == "ConfigMap")["data"]["config.yml"]
        assert "notifications" not in config  # the endpoints went to the encrypted Secret
        assert not [p for p in (repo / "overlays").rglob("*") if p.is_file() and b"hook-token" in p.read_bytes()]
        registry = run_registry(
            repo, "hooked", tmp_path, processes, hosts={"hooks.audit.svc:8080": f"127.0.0.1:{server.server_port}"}
        )
        round_trip(registry, tmp_path, "e2e/hooked", None, None)
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _Receiver.received:
            time.sleep(0.2)
        assert _Receiver.received, "no event reached the webhook"
        headers, envelope = _Receiver.received[0]
        assert headers["Authorization"] == "Bearer hook-token" and headers["X-Source"] == "regc"
        assert any(event["action"] == "push" for event in envelope["events"])
    finally:
        server.shutdown()


OUTAGE = """namespace: outage
tls:
  extraNames: [127.0.0.1]
registry:
  healthCheck:
    storageDriver: {interval: 1s, threshold: 1}
storage:
  driver: s3
  regionendpoint: http://rgw.outage.example:7480
  bucket: registry-outage
  credentials: generate
"""


def test_a_storage_outage_fails_readiness_but_never_liveness(repo: Path, tmp_path: Path, processes, ceph):
    """The kubelet's probes, as regc writes them, judged against the real registry while radosgw is cut
    off: the pod leaves the Service (readiness) but is never restarted (liveness), and comes back."""
    import subprocess
    import time

    from tests.e2e.ceph import RGW_PORT
    from tests.e2e.forwarder import Forwarder
    from tests.e2e.test_registry import provision
    from tests.secrets_helpers import decrypt_file

    write_spec(repo, "outage", OUTAGE)
    build(repo)
    provision(repo, "outage", ceph)
    keys = decrypt_file(repo / "environments" / "outage.secrets.yaml")["s3"]
    made = subprocess.run(
        [
            "s3cmd",
            "--host=127.0.0.1:7480",
            "--host-bucket=",
            "--no-ssl",
            "--signature-v2",
            f"--access_key={keys['accessKey']}",
            f"--secret_key={keys['secretKey']}",
            "mb",
            "s3://registry-outage",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert made.returncode == 0 or "BucketAlreadyOwnedByYou" in made.stderr, made.stderr[-800:]
    front = Forwarder(("127.0.0.1", RGW_PORT))
    try:
        registry = run_registry(
            repo,
            "outage",
            tmp_path,
            processes,
            name="outage",
            hosts={"rgw.outage.example:7480": f"127.0.0.1:{front.port}"},
        )
        pod = registry.pod

        def settle(ready: bool, deadline: float = 30) -> None:
            end = time.monotonic() + deadline
            while pod.probe("readiness") != ready:
                assert time.monotonic() < end, f"readiness did not become {ready} within {deadline:.0f} s"
                time.sleep(0.5)

        settle(ready=True)
        assert pod.probe("startup") and pod.probe("liveness")
        front.cut()
        settle(ready=False)
        for _ in range(3):  # liveness keeps passing for as long as the outage lasts
            assert pod.probe("liveness"), "liveness failed during a storage outage: the pod would restart"
            assert not pod.probe("readiness")
            time.sleep(1)
        front.restore()
        settle(ready=True)
        assert pod.probe("liveness")
        assert processes.running["outage"].poll() is None
    finally:
        front.stop()
