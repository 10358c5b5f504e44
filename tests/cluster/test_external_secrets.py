"""Secrets from a store, proven with the real External Secrets Operator (built from its module at the
version pinned in tests/tools/eso) reconciling against the test API server, its own fake provider as
the store: the Secrets it makes from regc's ExternalSecrets are read back, and the registry runs on
them (the htpasswd user pushes, the pull secret's credentials pull)."""

from __future__ import annotations

import base64
import datetime
import json
import time
from pathlib import Path

import bcrypt
import pytest

from regc.secrets import tls
from tests.cluster.apiserver import ControlPlane, apply_overlay, objects_in, shared_cluster, tool
from tests.conftest import run_regc, write_spec
from tests.e2e.kubelet import free_port
from tests.e2e.processes import Processes
from tests.e2e.registry import pull, start_registry
from tests.e2e.test_registry import round_trip

pytestmark = pytest.mark.e2e

SPEC = (
    "namespace: vault\nsecretStore:\n  name: vault\n  key: registry/vault\n"
    "tls:\n  certificate: provided\n  extraNames: [127.0.0.1]\n"
    "auth:\n  htpasswd:\n    users: [alice, ci-pull]\n"
    "pullSecrets:\n  name: vault-pull\n  user: ci-pull\n  namespaces: [apps]\n"
)
SERVED = {"external-secrets.io": {"externalsecrets", "clustersecretstores", "secretstores"}}


def _start_operator(cluster: ControlPlane, work: Path, processes: Processes) -> None:
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(tool("eso-crds").resolve()))
    end = time.monotonic() + 60
    for group, kinds in SERVED.items():
        while True:
            listed = cluster.kubectl("api-resources", f"--api-group={group}", "-o", "name", check=False).stdout
            if kinds <= {line.split(".", 1)[0] for line in listed.split()}:
                break
            assert time.monotonic() < end, f"{group} is not served"
            time.sleep(0.3)
    processes.start(
        "external-secrets",
        [
            str(tool("external-secrets")),
            f"--metrics-addr=127.0.0.1:{free_port()}",
            "--enable-leader-election=false",
            "--enable-cluster-external-secret-reconciler=false",
            "--enable-push-secret-reconciler=false",
            "--enable-cluster-push-secret-reconciler=false",
            "--loglevel=debug",
        ],
        log=work / "external-secrets.log",
        env={"PATH": "/usr/bin:/bin", "KUBECONFIG": str(cluster.kubeconfig), "HOME": str(work)},
    )


def _secret(cluster: ControlPlane, namespace: str, name: str, log: Path, deadline: float = 90) -> dict:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = cluster.kubectl("get", "secret", name, "-n", namespace, "-o", "json", check=False)
        if got.returncode == 0:
            return json.loads(got.stdout)
        time.sleep(0.5)
    external = cluster.kubectl("get", "externalsecrets", "-A", "-o", "json", check=False).stdout[-3000:]
    raise AssertionError(f"no Secret {namespace}/{name}: {external}\n{log.read_text()[-3000:]}")


def _data(secret: dict) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def test_the_operator_makes_regcs_secrets_from_a_store_and_the_registry_runs_on_them(
    repo: Path, tmp_path: Path, processes: Processes
):
    write_spec(repo, "vault", SPEC)
    built = run_regc("build", "environments/vault.yaml", cwd=repo)
    assert built.code == 0, built.stderr
    assert not (repo / "environments" / "vault.secrets.yaml").exists()  # nothing secret in git

    # The store: the operator's fake provider holding the environment's values, shaped as its
    # secrets file would be.
    now = datetime.datetime.now(datetime.UTC)
    ca_cert, ca_key = tls.make_ca("the store's CA", "ecdsa-p256", now)
    names = ["registry.vault.svc", "registry.vault.svc.cluster.local", "127.0.0.1"]
    cert, key = tls.issue_server(ca_cert, ca_key, names, "ecdsa-p256", now, 30)
    passwords = {"alice": "alice-password-in-the-store", "ci-pull": "ci-pull-password-in-the-store"}
    values = {
        "users": passwords,
        "httpSecret": "an-http-secret-kept-in-the-store-0123",
        "tls": {"cert": cert, "key": key},
    }
    store = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": "vault"},
        "spec": {"provider": {"fake": {"data": [{"key": "registry/vault", "value": json.dumps(values)}]}}},
    }
    cluster = shared_cluster()
    _start_operator(cluster, tmp_path, processes)
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(store))
    apply_overlay(cluster, repo, "vault")  # the ExternalSecrets among the overlay's objects

    log = tmp_path / "external-secrets.log"
    users = _data(_secret(cluster, "vault", "registry-htpasswd", log))["htpasswd"]
    lines = dict(line.split(":", 1) for line in users.splitlines())
    assert sorted(lines) == ["alice", "ci-pull"]
    for user, hashed in lines.items():
        assert hashed.startswith("$2a$10$") and bcrypt.checkpw(passwords[user].encode(), hashed.encode())
    pull_secret = _secret(cluster, "apps", "vault-pull", log)
    assert pull_secret["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(_data(pull_secret)[".dockerconfigjson"])["auths"]
    entry = auths["registry.vault.svc:5000"]
    assert (entry["username"], entry["password"]) == ("ci-pull", passwords["ci-pull"])
    assert base64.b64decode(entry["auth"]).decode() == f"ci-pull:{passwords['ci-pull']}"
    tls_secret = _secret(cluster, "vault", "registry-tls", log)
    assert tls_secret["type"] == "kubernetes.io/tls" and _data(tls_secret)["tls.crt"] == cert
    assert _data(_secret(cluster, "vault", "registry-http-secret", log))["http-secret"] == values["httpSecret"]

    # The registry on what the operator made: alice pushes, the pull secret's credentials pull.
    ca = tmp_path / "ca.crt"
    ca.write_text(ca_cert)
    registry = start_registry(objects_in(cluster, "vault"), tmp_path / "registry", processes, ca=ca)
    round_trip(registry, tmp_path, "e2e/store", "alice", passwords["alice"])
    pulled = pull(registry, "e2e/store", "1", entry["username"], entry["password"], tmp_path / "pulled", tmp_path)
    assert pulled.returncode == 0, pulled.stderr[-1500:]
    assert registry.status("/v2/", "alice", "wrong") == 401

    # A password changed in the store needs no rebuild: the operator reads the store again (forced
    # here instead of waiting for refreshInterval), the kubelet updates the mounted file, and the
    # registry reads its htpasswd file again when it changes (no restart: the same process answers).
    old, before = lines["alice"], passwords["alice"]
    values["users"] = {**passwords, "alice": "alice-rotated-in-the-store"}
    store["spec"]["provider"]["fake"]["data"][0]["value"] = json.dumps(values)
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(store))
    cluster.kubectl("annotate", "externalsecret", "registry-htpasswd", "-n", "vault", f"force-sync={time.time()}")
    end = time.monotonic() + 60
    while (rotated := _data(_secret(cluster, "vault", "registry-htpasswd", log))["htpasswd"]) == users:
        assert time.monotonic() < end, "the operator did not read the store again"
        time.sleep(0.5)
    hashed = dict(line.split(":", 1) for line in rotated.splitlines())["alice"]
    assert hashed != old and bcrypt.checkpw(b"alice-rotated-in-the-store", hashed.encode())
    mounted = registry.pod.root / "auth" / "htpasswd"
    staged = mounted.with_name("..htpasswd.new")
    staged.write_text(rotated)
    staged.replace(mounted)  # as the kubelet swaps a Secret volume's files
    assert registry.status("/v2/", "alice", "alice-rotated-in-the-store") == 200
    assert registry.status("/v2/", "alice", before) == 401
    assert processes.running["registry"].poll() is None
