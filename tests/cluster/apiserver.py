"""A real control plane on loopback for the tests: Debian's etcd and kube-apiserver built from its
published module at a pinned release (tests/tools/build puts it in the cache), a static admin token,
and a kubeconfig for the real kubectl. No controller runs: objects are accepted or refused, as the
API server (schemas, CRDs with their CEL rules, admission such as Pod Security) decides."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from tests.conftest import run_regc
from tests.e2e.kubelet import free_port
from tests.e2e.processes import Processes

TOOLS = Path(os.environ.get("REGC_TOOLS_CACHE", "/var/cache/regc/tools"))
GO_MOD = Path(__file__).resolve().parent.parent / "tools" / "apiserver" / "go.mod"


def kubernetes_version() -> str:
    """The pinned release: the one owner is the go.mod that builds it."""
    for line in GO_MOD.read_text().splitlines():
        parts = line.split()
        if parts[:2] == ["require", "k8s.io/kubernetes"]:
            return parts[2]
    raise AssertionError(f"{GO_MOD} pins no k8s.io/kubernetes")


TOKEN = "regc-test-admin-token"
APPLY = ("apply", "--server-side", "--force-conflicts", "--field-manager=regc-test", "-f", "-")
# The one warning regc lets through: the v1 Endpoints object that `radosgw.legacyEndpoints` asks for.
LEGACY_ENDPOINTS = "v1 Endpoints is deprecated"
WORKLOADS = ("Deployment", "DaemonSet", "Job")  # a throwaway cluster on loopback, gone with the test session


def tool(name: str) -> Path:
    """A program tests/tools/build made: $REGC_TOOLS_CACHE/<name>, the version this checkout pins."""
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: .ci/run builds it (bash tests/tools/build)"
    return path


def kube_apiserver() -> Path:
    path = tool("kube-apiserver")
    assert path.resolve().name == f"kube-apiserver-{kubernetes_version()}", "run bash tests/tools/build"
    return path


@dataclass
class ControlPlane:
    url: str
    kubeconfig: Path

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["kubectl", "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr[-2000:]}"
        return done


def start_control_plane(work: Path, processes: Processes) -> ControlPlane:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    etcd = shutil.which("etcd")
    assert etcd, "etcd is missing: .ci/run installs Debian's etcd-server"
    work.mkdir(parents=True, exist_ok=True)
    client, peer, secure = free_port(), free_port(), free_port()
    processes.start(
        "etcd",
        [
            etcd,
            "--data-dir",
            str(work / "etcd"),
            "--name",
            "regc-test",
            "--listen-client-urls",
            f"http://127.0.0.1:{client}",
            "--advertise-client-urls",
            f"http://127.0.0.1:{client}",
            "--listen-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-cluster",
            f"regc-test=http://127.0.0.1:{peer}",
        ],
        log=work / "etcd.log",
        env={"PATH": "/usr/bin:/bin"},
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (work / "sa.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (work / "sa.pub").write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (work / "tokens.csv").write_text(f'{TOKEN},admin,admin,"system:masters"\n')
    processes.start(
        "kube-apiserver",
        [
            str(kube_apiserver()),
            f"--etcd-servers=http://127.0.0.1:{client}",
            "--bind-address=127.0.0.1",
            f"--secure-port={secure}",
            f"--cert-dir={work / 'certs'}",
            f"--token-auth-file={work / 'tokens.csv'}",
            "--authorization-mode=AlwaysAllow",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={work / 'sa.pub'}",
            f"--service-account-signing-key-file={work / 'sa.key'}",
            "--enable-priority-and-fairness=false",
            "--allow-privileged=true",  # so that Pod Security admission, not a global switch, is what refuses
        ],
        log=work / "kube-apiserver.log",
    )
    url = f"https://127.0.0.1:{secure}"
    processes.wait_until("kube-apiserver", lambda: _ready(url), 90, logs=[work / "etcd.log"])
    kubeconfig = work / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
        f"    server: {url}\n    insecure-skip-tls-verify: true\nusers:\n- name: admin\n  user:\n"
        f"    token: {TOKEN}\ncontexts:\n- name: test\n  context: {{cluster: test, user: admin}}\n"
        "current-context: test\n"
    )
    return ControlPlane(url, kubeconfig)


def _ready(url: str) -> bool:
    request = urllib.request.Request(url + "/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=2, context=ssl._create_unverified_context()) as response:
            return response.status == 200
    except OSError:
        return False


def ensure_namespaces(plane: ControlPlane, names: set[str]) -> None:
    """Namespaces the objects need, each with the `default` ServiceAccount a controller-manager would make."""
    for name in sorted(names):
        plane.kubectl("create", "namespace", name, check=False)
        plane.kubectl("create", "serviceaccount", "default", "-n", name, check=False)


def clear_namespace(plane: ControlPlane, namespace: str) -> None:
    """Delete every object in `namespace` (the namespace stays: without a controller-manager its
    deletion would never finish), as if nothing had been applied there before."""
    kinds = plane.kubectl("api-resources", "--namespaced", "--verbs=delete", "-o", "name").stdout.split()
    plane.kubectl("delete", ",".join(kinds), "--all", "-n", namespace, "--ignore-not-found", "--wait=false")


def wait_established(plane: ControlPlane, names: list[str], deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    for name in names:
        while (
            plane.kubectl(
                "get", "crd", name, "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}", check=False
            ).stdout
            != "True"
        ):
            assert time.monotonic() < end, f"CRD {name} was not established"
            time.sleep(0.3)


def apply_overlay(cluster, root: Path, env: str, allowed: tuple[str, ...] = ()) -> list[dict]:
    """`regc render ENV | kubectl apply --server-side` (namespaces the objects need made first), and
    each pod template dry-run as a Pod, so that Pod Security admission judges it: no controller runs.
    Any warning of the server fails it (as --warnings-as-errors would) unless `allowed` names it."""
    rendered = run_regc("render", env, cwd=root)
    assert rendered.code == 0, rendered.stderr
    objects = [o for o in YAML(typ="safe", pure=True).load_all(rendered.stdout) if o]
    ensure_namespaces(
        cluster,
        {o["metadata"]["namespace"] for o in objects if "namespace" in o["metadata"]}
        | {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"},
    )
    applied = cluster.kubectl(*APPLY, stdin=rendered.stdout)
    assert "serverside-applied" in applied.stdout
    warnings = [line for line in applied.stderr.splitlines() if line.startswith("Warning:")]
    assert all(any(text in line for text in allowed) for line in warnings), warnings
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            cluster.kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(as_pod(obj)))
    return objects


def as_pod(workload: dict) -> dict:
    template = workload["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{workload['metadata']['name']}-template",
            "namespace": workload["metadata"]["namespace"],
            "labels": template["metadata"].get("labels", {}),
        },
        "spec": template["spec"],
    }


def objects_in(plane: ControlPlane, namespace: str) -> list[dict]:
    """What the kubelet reads: the workloads and what they mount, from the API server."""
    listed = plane.kubectl("get", "deployments,configmaps,secrets", "-n", namespace, "-o", "json")
    return json.loads(listed.stdout)["items"]


_SHARED: dict = {}


def shared_cluster() -> ControlPlane:
    """The session's control plane, started on first use, with the vendored CRDs established and the
    engines' namespaces made; stopped when the test session ends (tests/conftest.py)."""
    if "plane" not in _SHARED:
        import tempfile

        from tests.crd_schema import CRDS

        processes = _SHARED["processes"] = Processes()
        plane = start_control_plane(Path(tempfile.mkdtemp(prefix="regc-control-plane-")), processes)
        plane.kubectl("apply", "--server-side", "-f", str(CRDS))
        wait_established(
            plane,
            [YAML(typ="safe", pure=True).load(p.read_text())["metadata"]["name"] for p in sorted(CRDS.glob("*.yaml"))],
        )
        ensure_namespaces(plane, {"argocd", "flux-system"})
        _SHARED["plane"] = plane
    return _SHARED["plane"]


def stop_shared_cluster() -> None:
    if "processes" in _SHARED:
        _SHARED.pop("processes").stop_all()
        _SHARED.clear()
