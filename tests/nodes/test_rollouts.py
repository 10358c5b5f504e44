"""Zero-downtime changes on real nodes: while a client on a node pushes and pulls in a loop, the
registry rolls to a new configuration, a new image and a re-keyed Secret, and a node is drained
under the PodDisruptionBudget. Every failed request is counted and shown with its step."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import run_regc, write_spec
from tests.nodes.client import ClientLoop
from tests.nodes.conftest import deliver, forget, registry_ca, wait_rolled_out

pytestmark = pytest.mark.e2e

NAMESPACE = "registry-ha"
SPEC = """namespace: registry-ha
registry:
  replicas: 2
storage:
  size: 1Gi
  accessMode: ReadWriteMany        # shared storage, so the pods roll one by one
availability:
  podDisruptionBudget: {enabled: true, maxUnavailable: 1}
scheduling:
  antiAffinity: required
  nodes: 3
"""


def _build(repo: Path, spec: str) -> None:
    write_spec(repo, "ha", spec)
    done = run_regc("build", "environments/ha.yaml", cwd=repo)
    assert done.code == 0, done.stderr


def _registry_pods(nodes) -> list[dict]:
    found = nodes.json("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/component=registry")["items"]
    return [p for p in found if not p["metadata"].get("deletionTimestamp")]


def _straddled(error: str) -> bool:
    """An upload refused by a pod holding the other http.secret (the registry answers 400 before
    it reads a PATCH body, and closes: the client sees its write reset)."""
    cut = ("connection reset by peer", "broken pipe")
    return "blob upload invalid" in error or ("/blobs/uploads/" in error and any(c in error for c in cut))


def test_changes_and_a_drain_keep_every_push_and_pull_working(nodes, built: Path, tmp_path: Path):
    _build(built, SPEC)
    objects = deliver(nodes, built, "ha", tmp_path)
    wait_rolled_out(nodes, objects)
    pods = _registry_pods(nodes)
    assert len({p["spec"]["nodeName"] for p in pods}) == 2  # required anti-affinity: one pod a node

    certs = registry_ca(nodes, NAMESPACE, tmp_path)
    client = ClientLoop(nodes, 0, f"registry.{NAMESPACE}.svc:5000", certs, tmp_path)
    steps: list[tuple[str, float, float]] = []
    try:
        client.wait_for(4)

        def step(name: str, change) -> None:
            started = time.time()
            change()
            steps.append((name, started, time.time()))
            client.wait_for(4, after=time.time())  # the client goes on after the change, too

        def rollout(spec: str) -> None:
            _build(built, spec)
            wait_rolled_out(nodes, deliver(nodes, built, "ha", tmp_path))

        step("configuration", lambda: rollout(SPEC + "extras:\n  config: {log: {fields: {rollout: config}}}\n"))
        image = SPEC.replace("  replicas: 2\n", "  replicas: 2\n  image: docker.io/library/registry:3.0.0\n")
        step("image registry:2.8.3 to 3.0.0", lambda: rollout(image))

        def rekey(key: str) -> None:
            secrets = built / "environments" / "ha.secrets.yaml"
            subprocess.run(["sops", "unset", str(secrets), f'["{key}"]'], check=True, capture_output=True)
            rollout(image)

        step("re-keyed TLS certificate", lambda: rekey("tls"))

        def drain() -> None:
            target = _registry_pods(nodes)[0]["spec"]["nodeName"]
            nodes.kubectl(
                "drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=180s", timeout=200
            )
            try:
                wait_rolled_out(nodes, objects)
            finally:
                nodes.kubectl("uncordon", target)

        step("drain of a node", drain)
        # Last, and measured apart: the upload state a pod hands a client is signed with http.secret,
        # so while old and new pods hold different secrets, an upload whose requests reach both fails.
        step("re-keyed httpSecret", lambda: rekey("httpSecret"))
        settled = time.time() + 5  # the nodes' kube-proxies take a moment to drop the old pods
        client.wait_for(4, after=settled)
    finally:
        done = client.stop()
        forget(nodes, NAMESPACE)
    for name, started, ended in steps:
        during = [r for r in done if started <= r["start"] <= ended]
        print(f"{name} ({ended - started:.0f} s): {len(during)} operations, {sum(not r['ok'] for r in during)} failed")
    assert len(done) >= 20
    rekeyed = steps[-1][1]
    failed = [r for r in done if not r["ok"] and r["start"] < rekeyed]
    assert not failed, "\n".join(
        f"{r['op']} round {r['round']} at +{r['start'] - done[0]['start']:.1f}s: {r.get('error')}" for r in failed
    )
    after = [r for r in done if not r["ok"] and r["start"] >= rekeyed]
    other = [r.get("error", "") for r in after if not _straddled(r.get("error", ""))]
    assert not other, other
    # Once every pod holds the new secret (and no node routes to an old one), all is well again.
    assert all(r["ok"] for r in done if r["start"] >= settled)


def test_required_anti_affinity_rolls_out_on_as_many_nodes_as_replicas(nodes, built: Path, tmp_path: Path):
    """Two replicas that never share a node, and two nodes that may run them: regc's default rolls
    one pod down at a time and finishes, where a surge pod (the usual default) would wait forever."""
    for node in nodes.nodes[:2]:
        nodes.kubectl("label", "node", node.name, "regc-test/registry=yes", "--overwrite")
    try:
        # No client here: a pod stops at once (each replacement waits for the old pod to leave its node).
        spec = SPEC.replace("  nodes: 3\n", "  nodes: 2\n  nodeSelector: {regc-test/registry: 'yes'}\n")
        spec = spec.replace("maxUnavailable: 1}\n", "maxUnavailable: 1}\n  preStopSleepSeconds: 0\n")
        _build(built, spec)
        objects = deliver(nodes, built, "ha", tmp_path)
        wait_rolled_out(nodes, objects)
        deployment = nodes.json("get", "deployment", "registry", "-n", NAMESPACE)
        assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": 0}
        _build(built, spec + "extras:\n  config: {log: {fields: {rollout: two-nodes}}}\n")
        wait_rolled_out(nodes, deliver(nodes, built, "ha", tmp_path))

        # What regc refuses, done by hand: a surge pod finds no node, and the rollout stalls.
        surge = {"spec": {"strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}}}
        nodes.kubectl("patch", "deployment", "registry", "-n", NAMESPACE, "--type=merge", "-p", json.dumps(surge))
        nodes.kubectl("rollout", "restart", "deployment/registry", "-n", NAMESPACE)
        end = time.monotonic() + 60
        pending: list[dict] = []
        while time.monotonic() < end and not pending:
            pending = [p for p in _registry_pods(nodes) if p["status"].get("phase") == "Pending"]
            time.sleep(1)
        assert pending, "the surge pod was scheduled: the nodes had room after all"
        time.sleep(5)
        still = nodes.json("get", "pod", pending[0]["metadata"]["name"], "-n", NAMESPACE)
        assert still["status"]["phase"] == "Pending"
        reasons = [c.get("reason") for c in still["status"].get("conditions", []) if c["type"] == "PodScheduled"]
        assert reasons == ["Unschedulable"], still["status"]
    finally:
        for node in nodes.nodes[:2]:
            nodes.kubectl("label", "node", node.name, "regc-test/registry-", check=False)
        forget(nodes, NAMESPACE)
