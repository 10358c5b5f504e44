"""End to end: each overlay, built by the real kustomize and decrypted by the real sops, runs the
real registry (distribution 2.8) on filesystem, Swift and S3 storage of a real Ceph radosgw;
the real skopeo pushes and pulls through it."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from regc.tools.sops import sops_binary
from tests.conftest import kustomize, run_regc, write_spec
from tests.e2e.conftest import phase
from tests.e2e.oci import write_image
from tests.e2e.registry import Registry, pull, push, run_smoke_job, start_registry
from tests.secrets_helpers import decrypt_file

pytestmark = pytest.mark.e2e


def users_of(root: Path, env: str) -> dict[str, str]:
    return decrypt_file(root / "environments" / f"{env}.secrets.yaml").get("users", {})


def run_registry(
    root: Path, env: str, work: Path, processes, hosts: dict | None = None, name: str = "registry"
) -> Registry:
    """The overlay applied to the session's API server (`regc render | kubectl apply --server-side`),
    and the registry run from what the kubelet would read back from it."""
    from tests.cluster.apiserver import apply_overlay, objects_in, shared_cluster

    cluster = shared_cluster()
    with phase("apply"):
        applied = apply_overlay(cluster, root, env)
    namespace = next(o for o in applied if o["kind"] == "Deployment")["metadata"]["namespace"]
    objects = objects_in(cluster, namespace)
    ca = root / "overlays" / env / "ca.crt"
    with phase("registry up"):
        return start_registry(objects, work / name, processes, ca=ca if ca.exists() else None, hosts=hosts, name=name)


def round_trip(registry: Registry, work: Path, repository: str, user: str | None, password: str | None) -> None:
    """Push an image the test builds, pull it back, compare digests, find it in the catalog."""
    layout = work / f"image-{repository.replace('/', '-')}"
    digest = write_image(layout, "1", f"pushed by {user or 'anyone'} to {repository}\n")
    with phase("push"):
        pushed = push(registry, layout, "1", repository, user, password, work)
    assert pushed.returncode == 0, pushed.stderr[-1500:]
    assert (work / "pushed.digest").read_text().strip() == digest
    target = work / f"pulled-{repository.replace('/', '-')}"
    with phase("pull"):
        pulled = pull(registry, repository, "1", user, password, target, work)
    assert pulled.returncode == 0, pulled.stderr[-1500:]
    assert json.loads((target / "index.json").read_text())["manifests"][0]["digest"] == digest
    assert repository in registry.catalog(user, password)


def provision(root: Path, env: str, ceph) -> None:
    """Create the radosgw user with exactly the commands `regc rgw-commands` prints."""
    printed = run_regc("rgw-commands", env, cwd=root)
    assert printed.code == 0, printed.stderr
    path = f"{Path(sops_binary()).parent}:{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", printed.stdout],
        cwd=root,
        capture_output=True,
        text=True,
        env={**ceph.env, "PATH": path},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-1500:]


def make_bucket(access_key: str, secret_key: str, bucket: str, home: Path) -> subprocess.CompletedProcess:
    """The bucket the registry stores in, made with the S3 user's keys (radosgw-admin makes none)."""
    return subprocess.run(
        [
            "s3cmd",
            "--host=127.0.0.1:7480",
            "--host-bucket=",
            "--no-ssl",
            "--signature-v2",
            f"--access_key={access_key}",
            f"--secret_key={secret_key}",
            "mb",
            f"s3://{bucket}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(home)},
    )


def bucket_owner(ceph, uid: str, access_key: str, secret_key: str, bucket: str, home: Path) -> None:
    """A radosgw user with these S3 keys, and its bucket (what an ObjectBucketClaim, or a chart's
    install, leaves behind); made once per Ceph cluster."""
    info = subprocess.run(["radosgw-admin", "user", "info", f"--uid={uid}"], env=ceph.env, capture_output=True)
    if info.returncode != 0:
        ceph.admin(
            "user",
            "create",
            f"--uid={uid}",
            f"--display-name={uid}",
            f"--access-key={access_key}",
            f"--secret-key={secret_key}",
        )
    made = make_bucket(access_key, secret_key, bucket, home)
    assert made.returncode == 0 or "BucketAlreadyOwnedByYou" in made.stderr, made.stderr[-800:]


def test_dev_on_a_filesystem_volume_with_tls(built: Path, tmp_path: Path, processes):
    registry = run_registry(built, "dev", tmp_path, processes)
    assert registry.url.startswith("https://")
    round_trip(registry, tmp_path, "e2e/dev", None, None)


def test_htpasswd_users_push_and_strangers_get_401(repo: Path, tmp_path: Path, processes):
    write_spec(
        repo,
        "auth",
        "namespace: auth\ntls:\n  extraNames: [127.0.0.1]\nauth:\n  htpasswd:\n"
        "    users: [alice, bob]\n    bcryptCost: 5\n    generateMissingPasswords: true\n",
    )
    assert run_regc("build", cwd=repo).code == 0
    users = users_of(repo, "auth")
    registry = run_registry(repo, "auth", tmp_path, processes)
    for user in ("alice", "bob"):
        round_trip(registry, tmp_path, f"e2e/{user}", user, users[user])
    assert registry.status("/v2/", "alice", users["alice"]) == 200
    assert registry.status("/v2/", "alice", "not-the-password") == 401
    assert registry.status("/v2/") == 401
    denied = push(registry, tmp_path / "image-e2e-alice", "1", "e2e/nobody", "alice", "wrong", tmp_path)
    assert denied.returncode != 0 and "unauthorized" in denied.stderr.lower()

    assert run_regc("user", "remove", "auth", "bob", cwd=repo).code == 0
    assert run_regc("build", cwd=repo).code == 0
    processes.stop("registry")
    rebuilt = run_registry(repo, "auth", tmp_path / "after", processes)
    assert rebuilt.status("/v2/", "bob", users["bob"]) == 401
    assert rebuilt.status("/v2/", "alice", users["alice"]) == 200


def test_prod_on_swift_through_radosgw(built: Path, tmp_path: Path, processes, ceph):
    provision(built, "prod", ceph)
    hosts = {"radosgw.kube-registry.svc.cluster.local": "127.0.0.1"}  # cluster DNS -> the HA front -> radosgw
    registry = run_registry(built, "prod", tmp_path, processes, hosts)
    users = users_of(built, "prod")
    for user in ("alice", "ci-pull"):
        round_trip(registry, tmp_path, f"e2e/swift-{user}", user, users[user])
    assert registry.status("/v2/") == 401
    smoke = run_smoke_job(kustomize(built / "overlays" / "prod"), registry, tmp_path)  # the guide's push and pull
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "pulled it back: digests match" in smoke.stdout


def test_staging_on_s3_through_radosgw(built: Path, tmp_path: Path, processes, ceph):
    provision(built, "staging", ceph)
    keys = decrypt_file(built / "environments" / "staging.secrets.yaml")["s3"]
    made = make_bucket(keys["accessKey"], keys["secretKey"], "registry-staging", tmp_path)
    assert made.returncode == 0, made.stderr[-800:]
    registry = run_registry(built, "staging", tmp_path, processes, {"rgw.ceph.example.internal": "127.0.0.1"})
    users = users_of(built, "staging")
    round_trip(registry, tmp_path, "e2e/s3", "deploy", users["deploy"])


def test_a_second_swift_user_on_one_container_fails_and_regc_refuses_it(built: Path, tmp_path: Path, processes, ceph):
    # The container exists, owned by the first user (as after prod's first start).
    first = decrypt_file(built / "environments" / "prod.secrets.yaml")["swift"]["password"]
    _ensure_user(ceph, "kube", "kube:registry", first)
    _swift_put_container("kube:registry", first, "kube-registry")
    _ensure_user(ceph, "other", "other:registry", "other-password")

    # regc refuses a second environment on that container before it reaches a cluster ...
    spec = built / "environments" / "other.yaml"
    spec.write_text(
        (built / "environments" / "prod.yaml")
        .read_text()
        .replace("username: kube:registry", "username: other:registry")
        .replace("namespace: kube-registry", "namespace: other-registry")
    )
    refused = run_regc("build", cwd=built)
    assert refused.code == 2
    assert "the Swift container 'kube-registry' is also used by environment" in refused.stderr
    spec.unlink()

    # ... and the real registry, given that second user, does not start: the guide's failure.
    objects = kustomize(built / "overlays" / "prod")
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "registry-config":
            obj["data"]["config.yml"] = obj["data"]["config.yml"].replace("kube:registry", "other:registry")
    second = tmp_path / "second"
    from tests.e2e.kubelet import materialize

    pod = materialize(objects, second, {"radosgw.kube-registry.svc.cluster.local": "127.0.0.1"})
    pod.env["REGISTRY_STORAGE_SWIFT_PASSWORD"] = "other-password"
    process = processes.start(
        "second",
        ["docker-registry", "serve", str(pod.config)],
        log=second / "registry.log",
        env={"PATH": "/usr/bin:/bin", **pod.env},
    )
    assert process.wait(timeout=60) != 0
    log = (second / "registry.log").read_text()
    assert "kube-registry" in log and ("forbidden" in log.lower() or "401" in log)


def _ensure_user(ceph, uid: str, subuser: str, secret: str) -> None:
    info = subprocess.run(["radosgw-admin", "user", "info", f"--uid={uid}"], env=ceph.env, capture_output=True)
    if info.returncode != 0:
        ceph.admin("user", "create", f"--uid={uid}", f"--display-name={uid}")
        ceph.admin("subuser", "create", f"--uid={uid}", f"--subuser={subuser}", "--access=full")
    ceph.admin("key", "create", f"--subuser={subuser}", "--key-type=swift", f"--secret={secret}")


def _swift_put_container(user: str, key: str, container: str) -> None:
    auth = urllib.request.Request("http://127.0.0.1:7480/auth/v1", headers={"X-Auth-User": user, "X-Auth-Key": key})
    with urllib.request.urlopen(auth, timeout=10) as response:
        token, storage = response.headers["X-Auth-Token"], response.headers["X-Storage-Url"]
    put = urllib.request.Request(f"{storage}/{container}", method="PUT", headers={"X-Auth-Token": token})
    with urllib.request.urlopen(put, timeout=10) as response:
        assert response.status in (201, 202, 204)


SMOKE = (
    "namespace: smoke\ntls:\n  extraNames: [127.0.0.1]\nstorage:\n  delete: true\n"
    "auth:\n  htpasswd:\n    users: [puller]\n    bcryptCost: 5\n    generateMissingPasswords: true\n"
    "pullSecrets:\n  user: puller\n  namespaces: [smoke-apps]\nsmokeTest:\n  enabled: true\n"
)


def test_the_smoke_job_pushes_pulls_and_deletes_on_the_real_registry(repo: Path, tmp_path: Path, processes):
    write_spec(repo, "smoke", SMOKE)
    assert run_regc("build", cwd=repo).code == 0
    registry = run_registry(repo, "smoke", tmp_path, processes)
    objects = kustomize(repo / "overlays" / "smoke")
    done = run_smoke_job(objects, registry, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pushed regc-smoke/check:smoke" in done.stdout and "digests match" in done.stdout
    assert "deleted it" in done.stdout
    password = users_of(repo, "smoke")["puller"]
    assert "regc-smoke/check" in registry.catalog("puller", password)
    assert registry.status("/v2/regc-smoke/check/manifests/smoke", "puller", password) == 404  # deleted
    assert password not in done.stdout + done.stderr
    refused = run_smoke_job(objects, registry, tmp_path / "wrong", password="not-the-password")
    assert refused.returncode != 0 and "401" in refused.stderr
