"""The examples on object storage, on real nodes: staging's S3 endpoint and prod's Swift front
reach real radosgw hosts beside the cluster, through cluster DNS and kube-proxy."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY
from tests.e2e.ceph import start_gateway
from tests.nodes.client import ClientLoop
from tests.nodes.cluster import RGW_HOSTS, unplug
from tests.nodes.conftest import deliver, on_node, probe_results, radosgw_users, registry_ca, wait_rolled_out

pytestmark = pytest.mark.e2e


def _secret(repo: Path, env: str, *path: str) -> str:
    """One value of the environment's secrets file, decrypted by sops into memory."""
    extract = "".join(f'["{key}"]' for key in path)
    done = subprocess.run(
        ["sops", "decrypt", "--extract", extract, str(repo / "environments" / f"{env}.secrets.yaml")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _push_and_pull(cluster, host: str, certs: Path, creds: str, work: Path, pusher: int, puller: int) -> str:
    from tests.e2e.oci import write_image

    layout = work / f"layout-{pusher}-{puller}"
    write_image(layout, "v1", f"pushed from node {pusher} to {host}")
    image = f"docker://{host}/smoke/n{pusher}:v1"
    pushed = on_node(
        cluster, pusher, "skopeo", "--insecure-policy", "copy", "--dest-cert-dir", str(certs),
        "--dest-creds", creds, f"oci:{layout}:v1", image,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    pulled = on_node(
        cluster, puller, "skopeo", "--insecure-policy", "inspect", "--cert-dir", str(certs), "--creds", creds, image
    )
    assert pulled.returncode == 0, pulled.stderr
    return json.loads(pulled.stdout)["Digest"]


def test_staging_stores_in_radosgw_through_s3_and_serves_every_node_proxy(
    nodes, rgw, flux, built: Path, tmp_path: Path
):
    radosgw_users(nodes, rgw, built, "staging")
    access, secret = _secret(built, "staging", "s3", "accessKey"), _secret(built, "staging", "s3", "secretKey")
    made = subprocess.run(
        nodes.in_hub(
            "s3cmd", f"--host={RGW_HOSTS[0]}:7480", "--host-bucket=", "--no-ssl", f"--access_key={access}",
            f"--secret_key={secret}", "mb", "s3://registry-staging",
        ),
        capture_output=True, text=True, timeout=60, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-800:]
    objects = deliver(nodes, built, "staging", tmp_path, flux)  # Flux reconciles it from Git
    wait_rolled_out(nodes, objects)
    certs = registry_ca(nodes, "registry-staging", tmp_path)
    creds = f"deploy:{_secret(built, 'staging', 'users', 'deploy')}"
    # Through the Service, from one node to another.
    _push_and_pull(nodes, "registry.registry-staging.svc:5000", certs, creds, tmp_path, 0, 2)
    # Through the node proxy: each node's localhost:5000 (its hostPort), the name kubelets pull by.
    for index in range(len(nodes.nodes)):
        _push_and_pull(nodes, "localhost:5000", certs, creds, tmp_path, index, (index + 1) % len(nodes.nodes))


@pytest.fixture(scope="module")
def prod(nodes, rgw, built_once: Path, tmp_path_factory) -> Path:
    """prod delivered once for this module's tests (its radosgw user made as `regc rgw-commands` says)."""
    crds = Path(__file__).resolve().parents[1] / "crds"
    for name in ("monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"):
        nodes.kubectl("apply", "--server-side", "-f", "-", stdin=(crds / name).read_text())
    nodes.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    with pytest.MonkeyPatch.context() as env:  # before the tests' own fixtures: the test-only key here too
        env.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        radosgw_users(nodes, rgw, built_once, "prod")
        objects = deliver(nodes, built_once, "prod", tmp_path_factory.mktemp("prod"))
    wait_rolled_out(nodes, objects)  # the smoke Job too: it logs in as ci-pull and reads /v2/
    return built_once


def test_prod_stores_in_radosgw_through_swift_and_its_front(nodes, rgw, prod: Path, tmp_path: Path):
    pods = nodes.json("get", "pods", "-n", "kube-registry", "-l", "app.kubernetes.io/component=registry")["items"]
    assert len({p["spec"]["nodeName"] for p in pods if p["status"]["phase"] == "Running"}) == 2
    certs = registry_ca(nodes, "kube-registry", tmp_path)
    creds = f"alice:{_secret(prod, 'prod', 'users', 'alice')}"
    _push_and_pull(nodes, "registry.kube-registry.svc:5000", certs, creds, tmp_path, 1, 0)
    # The blobs are in radosgw, in the container the spec names, written through the front.
    listed = rgw.admin("bucket", "stats", "--bucket=kube-registry")
    assert json.loads(listed)["usage"]["rgw.main"]["num_objects"] > 0


def test_a_radosgw_host_dies_and_pushes_and_pulls_go_on(nodes, rgw, prod: Path, tmp_path: Path):
    """The machine of one radosgw goes away (its link down: no answer, not even a refusal, and its
    radosgw gone), while a client pushes and pulls through prod's front; then it boots again."""
    certs = registry_ca(nodes, "kube-registry", tmp_path)
    creds = f"alice:{_secret(prod, 'prod', 'users', 'alice')}"
    host = rgw.gateways[0]
    netns = host.prefix[-1]
    client = ClientLoop(nodes, 0, "registry.kube-registry.svc:5000", certs, tmp_path, creds)
    try:
        client.wait_for(4)
        died = time.time()
        unplug(nodes, netns)
        rgw.processes.stop(host.name)
        try:
            client.wait_for(8, after=died, timeout=180)  # past the front's checks taking the host out
        finally:
            unplug(nodes, netns, plugged=True)
            start_gateway(rgw, host)
        back = time.time()
        client.wait_for(4, after=back)
    finally:
        done = client.stop()
    parts = {
        "before": [r for r in done if r["start"] < died],
        "host dead": [r for r in done if died <= r["start"] < back],
        "after": [r for r in done if r["start"] >= back],
    }
    report = {name: f"{sum(not r['ok'] for r in rows)} of {len(rows)} failed" for name, rows in parts.items()}
    print("radosgw host death:", report)
    # A request in flight to the host when it went can fail (its data went with it); every operation
    # that started once the front had taken the host out (2 checks of 2 s) succeeds.
    out = died + 5
    failed = [f"{r['op']} at +{r['start'] - died:.1f}s: {r.get('error')}" for r in done if not r["ok"]]
    late = [r for r in done if not r["ok"] and r["start"] >= out]
    assert not late, (report, failed[:5])
    in_flight = [r for r in done if not r["ok"]]
    print(f"in flight when the host died, failed: {[(r['op'], r['seconds']) for r in in_flight]}")
    assert all(r["seconds"] < 15 for r in in_flight), failed  # at once, not after a client's timeout


def _registry_pods(cluster) -> list[dict]:
    listed = cluster.json("get", "pods", "-n", "kube-registry", "-l", "app.kubernetes.io/component=registry")["items"]
    return [p for p in listed if not p["metadata"].get("deletionTimestamp")]


def _restarts(pods: dict[str, dict]) -> dict[str, int]:
    return {name: sum(c["restartCount"] for c in p["status"]["containerStatuses"]) for name, p in pods.items()}


def _ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def _until(check, timeout: float, what: str) -> float:
    """Seconds until `check()` holds (polled each second); fails after `timeout`."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return time.monotonic() - began
        time.sleep(1)
    raise AssertionError(f"not {what} in {timeout:.0f} s")


def test_storage_cut_takes_the_pods_out_of_the_service_and_does_not_restart_them(nodes, rgw, prod: Path):
    """Every radosgw host unreachable: the registry's storage health check fails, its every answer
    (the readiness probe's `/` too) turns to 503 and the kubelet takes the pods out of the Service;
    the liveness probe (a TCP connection) holds, so nothing restarts into the same outage."""
    before = {p["metadata"]["name"]: p for p in _registry_pods(nodes)}
    assert len(before) == 2 and all(_ready(p) for p in before.values())
    hosts = [g.prefix[-1] for g in rgw.gateways]
    at_cut = probe_results(nodes, "kube-registry")
    for netns in hosts:
        unplug(nodes, netns)
    try:
        # Liveness holds: the kubelet judges it (every 20 s) once readiness fails, and it passes (a
        # restart takes three failures in a row: none at all is what the kubelet counts). Counted
        # from each pod's first failed readiness probe (the two more that take it out of the
        # Service leave time for a liveness probe).
        judged: dict = {}

        def since(now: dict, then: dict, pod: str, probe: str, result: str) -> float:
            return now.get((pod, probe, result), 0) - then.get((pod, probe, result), 0)

        def unready_now() -> bool:
            now = probe_results(nodes, "kube-registry")
            for pod in before:
                if pod not in judged and since(now, at_cut, pod, "Readiness", "failed") > 0:
                    judged[pod] = now
            return not any(_ready(p) for p in _registry_pods(nodes))

        unready = _until(unready_now, 180, "unready")
        endpoints = nodes.json(
            "get", "endpointslices", "-n", "kube-registry", "-l", "kubernetes.io/service-name=registry"
        )
        serving = [e for s in endpoints["items"] for e in s.get("endpoints") or [] if e["conditions"].get("ready")]
        assert not serving, serving
        assert set(judged) == set(before), judged  # each pod's readiness failed before it left

        def live(pod: str) -> bool:
            return since(probe_results(nodes, "kube-registry"), judged[pod], pod, "Liveness", "successful") > 0

        _until(lambda: all(live(pod) for pod in before), 60, "judged live")
        during = probe_results(nodes, "kube-registry")
        assert all(since(during, at_cut, pod, "Liveness", "failed") == 0 for pod in before), during
        assert all(since(during, at_cut, pod, "Readiness", "failed") > 0 for pod in before), during
        assert _restarts({p["metadata"]["name"]: p for p in _registry_pods(nodes)}) == _restarts(before)
    finally:
        for netns in hosts:
            unplug(nodes, netns, plugged=True)
    ready = _until(lambda: all(_ready(p) for p in _registry_pods(nodes)), 180, "ready again")
    after = {p["metadata"]["name"]: p for p in _registry_pods(nodes)}
    assert _restarts(after) == _restarts(before)  # the same pods, none restarted
    print(f"storage cut: pods unready after {unready:.0f} s, ready {ready:.0f} s after storage came back")
