"""Flux's source-controller and kustomize-controller as local processes against the test API server,
with the CRDs of the same release, and a stand-in for the controllers Flux waits on (no kubelet runs
here: Deployments are marked rolled out once they exist, as a controller-manager and kubelets would)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from tests.cluster.apiserver import APPLY, ControlPlane, tool
from tests.e2e.kubelet import free_port
from tests.e2e.processes import Processes

# The kinds the controllers look up when they start: they exit if discovery does not serve them yet.
SERVED_KINDS = {
    "source.toolkit.fluxcd.io": {"gitrepositories", "helmrepositories", "ocirepositories", "buckets", "helmcharts"},
    "kustomize.toolkit.fluxcd.io": {"kustomizations"},
}


def _wait_served(plane: ControlPlane, deadline: float = 60) -> None:
    """Until the API server's discovery serves the CRDs just applied (established is not enough: the
    controllers' REST mapper reads discovery)."""
    end = time.monotonic() + deadline
    for group, kinds in SERVED_KINDS.items():
        while True:
            listed = plane.kubectl("api-resources", f"--api-group={group}", "-o", "name", check=False).stdout
            served = {line.split(".", 1)[0] for line in listed.split()}
            if kinds <= served:
                break
            assert time.monotonic() < end, f"{group} serves {sorted(served)}, not yet {sorted(kinds - served)}"
            time.sleep(0.3)


def start_flux(plane: ControlPlane, work: Path, processes: Processes, prefix: tuple[str, ...] = ()) -> None:
    """Flux's two controllers against `plane`, run under `prefix` (a network namespace's `ip netns
    exec`, for a cluster that lives in one)."""
    crds = tool("flux-crds")
    plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crds.resolve()))
    _wait_served(plane)
    env = {
        "PATH": "/usr/bin:/bin",
        "KUBECONFIG": str(plane.kubeconfig),
        "RUNTIME_NAMESPACE": "flux-system",
        "HOME": str(work),
    }
    storage = free_port()
    (work / "artifacts").mkdir(parents=True, exist_ok=True)
    processes.start(
        "source-controller",
        [
            *prefix,
            str(tool("source-controller")),
            f"--storage-path={work / 'artifacts'}",
            f"--storage-addr=127.0.0.1:{storage}",
            f"--storage-adv-addr=127.0.0.1:{storage}",
            f"--metrics-addr=127.0.0.1:{free_port()}",
            f"--health-addr=127.0.0.1:{free_port()}",
            "--enable-leader-election=false",
            "--watch-all-namespaces=true",
            "--log-level=debug",
        ],
        log=work / "source-controller.log",
        env=env,
    )
    processes.start(
        "kustomize-controller",
        [
            *prefix,
            str(tool("kustomize-controller")),
            f"--metrics-addr=127.0.0.1:{free_port()}",
            f"--health-addr=127.0.0.1:{free_port()}",
            "--enable-leader-election=false",
            "--watch-all-namespaces=true",
            "--log-level=debug",
        ],
        log=work / "kustomize-controller.log",
        env=env,
    )
    time.sleep(2)
    for name in ("source-controller", "kustomize-controller"):
        assert processes.running[name].poll() is None, processes.tail(name)


class RolloutStandIn:
    """Marks every Deployment of `namespace` as rolled out, as kube-controller-manager and the kubelets
    would once its pods ran: Flux's `wait` judges that status."""

    def __init__(self, plane: ControlPlane, namespace: str) -> None:
        self.plane, self.namespace, self.running = plane, namespace, True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        while self.running:
            listed = self.plane.kubectl("get", "deployments", "-n", self.namespace, "-o", "json", check=False)
            for deployment in json.loads(listed.stdout or '{"items": []}')["items"]:
                self._roll_out(deployment)
            time.sleep(1)

    def _roll_out(self, deployment: dict) -> None:
        replicas = deployment["spec"].get("replicas", 1)
        generation = deployment["metadata"]["generation"]
        if (deployment.get("status") or {}).get("observedGeneration") == generation:
            return
        status = {
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        }
        self.plane.kubectl(
            "patch",
            "deployment",
            deployment["metadata"]["name"],
            "-n",
            self.namespace,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": status}),
            check=False,
        )


def wait_ready(plane: ControlPlane, kind: str, name: str, revision: str, deadline: float = 180) -> dict:
    """The Flux object once Ready with `revision` applied (or fetched); fails with its conditions."""
    end = time.monotonic() + deadline
    obj: dict = {}
    while time.monotonic() < end:
        done = plane.kubectl("get", kind, name, "-n", "flux-system", "-o", "json", check=False)
        if done.returncode == 0:
            obj = json.loads(done.stdout)
            status = obj.get("status") or {}
            ready = [c for c in status.get("conditions", []) if c["type"] == "Ready"]
            applied = status.get("lastAppliedRevision") or (status.get("artifact") or {}).get("revision", "")
            if ready and ready[0]["status"] == "True" and revision in applied:
                return obj
        time.sleep(1)
    status = json.dumps(obj.get("status") or {}, indent=1)
    raise AssertionError(f"{kind}/{name} not Ready at {revision}: {status[-3000:]}")


__all__ = ["APPLY", "RolloutStandIn", "start_flux", "wait_ready"]
