"""The suite's cluster of real nodes, once per session (started on first use, stopped at its end
whatever happened), and delivering a compiled overlay to it."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from regc.render.security import RUN_AS
from tests.cluster.apiserver import TOOLS
from tests.cluster.argocd import repo_server_build
from tests.cluster.flux import start_flux, wait_ready
from tests.cluster.git_server import publish
from tests.conftest import REPO, TEST_KEY, run_regc
from tests.e2e.ceph import Ceph, Gateway, start_ceph
from tests.e2e.conftest import phase
from tests.e2e.processes import Processes
from tests.nodes import images, upstream
from tests.nodes.cluster import HUB_IP, RGW_HOSTS, NodeCluster, add_host, start_node_cluster, stop_node_cluster

# The images the examples name, built here (tests/nodes/images.py), by the name the manifests use.
IMAGES = {
    "docker.io/library/registry:2.8.3": images.registry_v2,
    "docker.io/library/registry:3.0.0": lambda name, trust: images.registry_v3(name, TOOLS / "registry-static", trust),
    "docker.io/library/haproxy:3.2-alpine": images.haproxy,
    "docker.io/curlimages/curl:8.11.1": images.curl,
}


@pytest.fixture(scope="session")
def nodes(tmp_path_factory):
    """Three real nodes and their control plane, with the examples' images imported."""
    work = tmp_path_factory.mktemp("nodes")
    trust = upstream.make_ca(work / "public-ca")  # the mirror's upstream's CA, trusted by the images
    archives = [images.write_archive(images.pause(), work / "images" / "pause.tar")]
    archives += [
        images.write_archive(build(name, trust) if "registry:3" in name else build(name), work / "images" / f"{i}.tar")
        for i, (name, build) in enumerate(IMAGES.items())
    ]
    processes = Processes()
    cluster = None
    try:
        with phase("nodes up"):
            cluster = start_node_cluster(work, processes, 3, archives)
        cluster.public_ca = trust
        print("nodes up:", ", ".join(f"{k} after {v:.1f} s" for k, v in cluster.timings.items()))
        for node in cluster.nodes:  # clients on a node resolve through cluster DNS, as pods do
            folder = Path("/etc/netns") / node.netns
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "resolv.conf").write_text("nameserver 10.96.0.10\nsearch svc.cluster.local cluster.local\n")
        yield cluster
    finally:
        if cluster is not None:
            for node in cluster.nodes:
                shutil.rmtree(Path("/etc/netns") / node.netns, ignore_errors=True)
            stop_node_cluster(cluster)
        processes.stop_all()
        with contextlib.suppress(OSError):  # another worker's cluster may use it still
            if Path("/etc/netns").is_dir() and not any(Path("/etc/netns").iterdir()):
                Path("/etc/netns").rmdir()


@pytest.fixture(scope="session")
def rgw(nodes: NodeCluster, tmp_path_factory) -> Iterator[Ceph]:
    """Ceph beside the nodes: its monitor and OSD in the hub, a radosgw on each of three hosts of
    their own at the addresses the examples name (prod's radosgw.hosts; staging's S3 endpoint
    resolves to them through cluster DNS)."""
    processes = Processes()
    try:
        gateways = []
        for number, address in enumerate(RGW_HOSTS, 1):
            netns = add_host(nodes, f"rgw{number}", address)
            gateways.append(Gateway(f"rgw.h{number}", f"{address}:7480", ("ip", "netns", "exec", netns)))
        with phase("ceph beside the nodes"):
            root = tmp_path_factory.mktemp("ceph-nodes")
            yield start_ceph(root, processes, address=HUB_IP, prefix=tuple(nodes.in_hub()), gateways=gateways)
    finally:
        processes.stop_all()


def radosgw_users(cluster: NodeCluster, ceph: Ceph, repo: Path, env: str) -> None:
    """Run `regc rgw-commands ENV` where radosgw-admin works (the hub), as its header says to."""
    commands = run_regc("rgw-commands", env, cwd=repo)
    assert commands.code == 0, commands.stderr
    done = subprocess.run(
        cluster.in_hub("bash", "-euo", "pipefail", "-c", commands.stdout),
        cwd=repo,
        env=ceph.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


class Flux:
    """A team's Git host and Flux's controllers in the cluster's hub, as a Flux environment is
    delivered: the compiled tree pushed to Git, the overlay's bootstrap objects applied by hand
    (their URL pointed at this Git host), the `sops-age` Secret made as the README says."""

    PORT = 8080

    def __init__(self, cluster: NodeCluster, work: Path, processes: Processes) -> None:
        self.cluster, self.git = cluster, work / "git"
        self.git.mkdir(parents=True, exist_ok=True)
        cluster.kubectl("create", "namespace", "flux-system")
        start_flux(cluster, work / "flux", processes, prefix=tuple(cluster.in_hub()))
        cluster.kubectl(
            "create", "secret", "generic", "sops-age", "--namespace=flux-system", f"--from-file=age.agekey={TEST_KEY}"
        )
        processes.start(
            "git-server",
            cluster.in_hub(sys.executable, "-m", "tests.cluster.git_server", str(self.git), HUB_IP, str(self.PORT)),
            log=work / "git-server.log",
            cwd=REPO,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        )

    def deliver(self, repo: Path, env: str) -> None:
        revision = publish(repo, self.git / f"{env}.git", f"registry: {env}")
        names = {}
        for path in sorted((repo / "overlays" / env / "gitops").glob("*.yaml")):
            obj = YAML(typ="safe", pure=True).load(path.read_text())
            if obj["kind"] == "GitRepository":
                obj["spec"]["url"] = f"http://{HUB_IP}:{self.PORT}/{env}.git"
            names[obj["kind"]] = obj["metadata"]["name"]
            self.cluster.kubectl("apply", "-f", "-", stdin=json.dumps(obj))
        wait_ready(self.cluster, "gitrepository", names["GitRepository"], revision)
        # Flux's own health checks (`wait: true`): every object it applied is ready on the nodes.
        wait_ready(self.cluster, "kustomization.kustomize.toolkit.fluxcd.io", names["Kustomization"], revision, 360)


@pytest.fixture(scope="session")
def flux(nodes: NodeCluster, tmp_path_factory) -> Iterator[Flux]:
    processes = Processes()
    try:
        with phase("flux beside the nodes"):
            engine = Flux(nodes, tmp_path_factory.mktemp("flux-nodes"), processes)
        yield engine
    finally:
        processes.stop_all()


def engine(repo: Path, env: str) -> str:
    """How the overlay is delivered, as its compiled tree says: Flux (bootstrap objects in gitops/),
    Argo CD with KSOPS (the secret generator), or neither (`regc render | kubectl apply`)."""
    overlay = repo / "overlays" / env
    if (overlay / "gitops" / "gitrepository.yaml").exists():
        return "flux"
    if "secret-generator.yaml" in (overlay / "kustomization.yaml").read_text():
        return "argocd"
    return "kubectl"


def deliver(cluster: NodeCluster, repo: Path, env: str, work: Path, flux: Flux | None = None) -> list[dict[str, Any]]:
    """The overlay delivered as its engine delivers it: Flux reconciling it from Git; for Argo CD, the
    repo-server's render (kustomize with KSOPS) applied server-side, as Argo CD's sync does. Each
    volume claim is given a volume first (no provisioner runs here: a local folder of the claim's
    size, class and access mode). The compiled objects, as `regc render` prints them."""
    rendered = run_regc("render", env, cwd=repo)
    assert rendered.code == 0, rendered.stderr
    objects = [o for o in YAML(typ="safe", pure=True).load_all(rendered.stdout) if isinstance(o, dict)]
    namespaces = sorted({o["metadata"]["namespace"] for o in objects if o["metadata"].get("namespace")})
    for namespace in namespaces:  # the teams' namespaces the pull secrets go to exist already
        if not any(o["kind"] == "Namespace" and o["metadata"]["name"] == namespace for o in objects):
            cluster.kubectl("create", "namespace", namespace, check=False)
    for claim in (o for o in objects if o["kind"] == "PersistentVolumeClaim"):
        folder = work / "volumes" / f"{claim['metadata']['namespace']}-{claim['metadata']['name']}"
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, RUN_AS, RUN_AS)
        spec = claim["spec"]
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": f"{claim['metadata']['namespace']}-{claim['metadata']['name']}"},
            "spec": {
                "capacity": {"storage": spec["resources"]["requests"]["storage"]},
                "accessModes": spec["accessModes"],
                "storageClassName": spec.get("storageClassName", ""),
                "hostPath": {"path": str(folder), "type": "Directory"},
                "claimRef": {"namespace": claim["metadata"]["namespace"], "name": claim["metadata"]["name"]},
            },
        }
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(volume))
    how = engine(repo, env)
    if how == "flux":
        assert flux is not None, f"{env} is delivered by Flux: pass the `flux` fixture"
        flux.deliver(repo, env)
        return objects
    if how == "argocd":
        manifest = json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": repo_server_build(repo / "overlays" / env, work)}
        )
    else:
        manifest = rendered.stdout
    applied = cluster.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=regc-test", "-f", "-", stdin=manifest
    )
    warnings = [line for line in applied.stderr.splitlines() if line.startswith("Warning:")]
    assert not [w for w in warnings if "v1 Endpoints is deprecated" not in w], warnings
    return objects


def wait_rolled_out(cluster: NodeCluster, objects: list[dict[str, Any]], timeout: float = 180) -> None:
    """Every Deployment Available with all its replicas updated, every DaemonSet ready on every node,
    every Job complete, as the real controllers and kubelets report them."""
    end = time.monotonic() + timeout
    pending: list[str] = []
    watched = [o for o in objects if o["kind"] in ("Deployment", "DaemonSet", "Job")]
    namespaces = sorted({o["metadata"]["namespace"] for o in watched})
    while time.monotonic() < end:
        pending = []
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for namespace in namespaces:  # one request a namespace and poll, not one an object
            got = cluster.kubectl("get", "deployments,daemonsets,jobs", "-n", namespace, "-o", "json", check=False)
            for item in json.loads(got.stdout).get("items", []) if got.returncode == 0 else []:
                found[(item["kind"], namespace, item["metadata"]["name"])] = item
        for obj in watched:
            kind, meta = obj["kind"], obj["metadata"]
            live = found.get((kind, meta["namespace"], meta["name"]), {})
            status = live.get("status", {})
            generation = live.get("metadata", {}).get("generation", 1)  # not made yet: pending
            if kind == "Deployment":
                wanted = obj["spec"].get("replicas", 1)
                available = any(
                    c["type"] == "Available" and c["status"] == "True" for c in status.get("conditions", [])
                )
                done = (
                    status.get("observedGeneration", 0) >= generation
                    and available
                    and status.get("updatedReplicas") == wanted
                    and status.get("availableReplicas") == wanted
                    and status.get("replicas") == wanted  # no pod of an older revision left
                )
            elif kind == "DaemonSet":
                desired = status.get("desiredNumberScheduled", 0)
                done = (
                    status.get("observedGeneration", 0) >= generation
                    and desired > 0
                    and status.get("numberReady") == desired
                    and status.get("updatedNumberScheduled") == desired
                )
            else:
                assert not status.get("failed"), f"Job {meta['name']} failed:\n{_job_logs(cluster, meta)}"
                done = bool(status.get("succeeded"))
            if not done:
                pending.append(f"{kind}/{meta['namespace']}/{meta['name']}")
        if not pending:
            return
        time.sleep(0.5)
    raise AssertionError(f"not rolled out in {timeout:.0f} s: {pending}\n{_events(cluster, objects)}")


def _job_logs(cluster: NodeCluster, meta: dict[str, Any]) -> str:
    return cluster.kubectl("logs", f"job/{meta['name']}", "-n", meta["namespace"], check=False).stdout[-3000:]


def _events(cluster: NodeCluster, objects: list[dict[str, Any]]) -> str:
    namespaces = sorted({o["metadata"]["namespace"] for o in objects if o["metadata"].get("namespace")})
    return "\n".join(cluster.kubectl("get", "events", "-n", ns, check=False).stdout[-2500:] for ns in namespaces)


def on_node(cluster: NodeCluster, node_index: int, *command: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """A command on a node (in its network namespace, resolving through cluster DNS), as a client
    on that node would run it."""
    return subprocess.run(
        cluster.on(cluster.nodes[node_index], *command), capture_output=True, text=True, timeout=timeout
    )


_LABELS = re.compile(r'(\w+)="([^"]*)"')


def probe_results(cluster: NodeCluster, namespace: str) -> dict[tuple[str, str, str], float]:
    """What the kubelets judged of a namespace's pods so far: (pod, probe type, result) to the count
    of their `prober_probe_total` (each kubelet's /metrics/probes, through the API server)."""
    counts: dict[tuple[str, str, str], float] = {}
    for node in cluster.nodes:
        text = cluster.kubectl("get", "--raw", f"/api/v1/nodes/{node.name}/proxy/metrics/probes").stdout
        for line in text.splitlines():
            if not line.startswith("prober_probe_total{"):
                continue
            labels = dict(_LABELS.findall(line[line.index("{") : line.rindex("}")]))
            if labels.get("namespace") == namespace:
                key = (labels["pod"], labels["probe_type"], labels["result"])
                counts[key] = counts.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def registry_ca(cluster: NodeCluster, namespace: str, work: Path) -> Path:
    """The registry's CA as a client on a node trusts it (the TLS Secret's ca.crt), in a folder."""
    secret = cluster.json("get", "secret", "registry-tls", "-n", namespace)
    folder = work / "certs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.crt").write_bytes(base64.b64decode(secret["data"]["ca.crt"]))
    return folder


def forget(cluster: NodeCluster, namespace: str) -> None:
    """Delete what `deliver` made for a namespace: the namespace, and the volumes given its claims.
    Its pods go at once (a graceful stop, the preStop sleep and the registry's drain, took 47 s of
    each test that rolled a registry out: what a graceful stop does is shown by the rollout tests)."""
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)  # no pod is made in it now
    cluster.kubectl("delete", "pods", "--all", "-n", namespace, "--grace-period=0", "--force", check=False)
    cluster.kubectl("wait", "--for=delete", f"namespace/{namespace}", "--timeout=120s", check=False, timeout=150)
    volumes = cluster.json("get", "persistentvolumes")["items"]
    for volume in volumes:
        if (volume["spec"].get("claimRef") or {}).get("namespace") == namespace:
            cluster.kubectl("delete", "persistentvolume", volume["metadata"]["name"], check=False)
