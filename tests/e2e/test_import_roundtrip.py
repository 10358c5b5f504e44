"""End to end: a registry installed with the community chart, adopted by `regc import helm-values`.
The values hold an htpasswd line hashed long ago and name the chart's TLS Secret; after the import
and a build, the real registry (run as the kubelet would from what the API server holds) lets the
old password in, refuses a wrong one, and serves the old certificate, which the old CA verifies."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import bcrypt
import pytest

from tests.conftest import REPO, run_regc
from tests.e2e.registry import start_registry
from tests.e2e.test_references import _dump, _secret
from tests.e2e.test_registry import round_trip

pytestmark = pytest.mark.e2e

OLD_PASSWORD = "the-password-alice-set-in-2023"


def test_an_imported_install_keeps_its_passwords_and_its_ca(tmp_path: Path, processes):
    from regc.secrets import tls
    from tests.cluster.apiserver import apply_overlay, objects_in, shared_cluster

    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / ".sops.yaml", repo / ".sops.yaml")
    hashed = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(5)).decode().replace("$2b$", "$2y$", 1)
    (repo / "values.yaml").write_text(
        "image: {repository: registry, tag: 2.8.3}\n"
        "persistence: {enabled: true, size: 5Gi}\n"
        f"secrets:\n  haSharedSecret: an-old-shared-secret\n  htpasswd: |\n    alice:{hashed}\n"
        "tlsSecretName: registry-tls-old\n"
    )
    imported = run_regc(
        "import",
        "helm-values",
        "values.yaml",
        "--name",
        "adopted",
        "--namespace",
        "adopted",
        "--chart-version",
        "2.2.2",
        cwd=repo,
    )
    assert imported.code == 0, imported.stderr
    built = run_regc("build", cwd=repo)
    assert built.code == 0, built.stderr

    cluster = shared_cluster()
    apply_overlay(cluster, repo, "adopted")
    # The chart's TLS Secret, as it stands in the cluster: a certificate of the old CA.
    now = datetime.datetime.now(datetime.UTC)
    ca_cert, ca_key = tls.make_ca("the old registry CA", "ecdsa-p256", now)
    names = ["registry.adopted.svc", "127.0.0.1"]
    cert, key = tls.issue_server(ca_cert, ca_key, names, "ecdsa-p256", now, 30)
    stream = "---\n" + _dump(
        {
            **_secret("registry-tls-old", {"tls.crt": cert, "tls.key": key}, "kubernetes.io/tls"),
            "metadata": {
                "name": "registry-tls-old",
                "namespace": "adopted",
            },
        }
    )
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=stream)
    ca = tmp_path / "old-ca.crt"
    ca.write_text(ca_cert)

    registry = start_registry(objects_in(cluster, "adopted"), tmp_path / "registry", processes, ca=ca)
    assert registry.url.startswith("https://")  # verified against the old CA
    round_trip(registry, tmp_path, "e2e/adopted", "alice", OLD_PASSWORD)
    assert registry.status("/v2/", "alice", "not-the-old-password") == 401


def test_the_guides_registry_adopted_from_its_manifests_serves_its_old_users_and_certificate(tmp_path: Path, processes):
    import io

    from ruamel.yaml import YAML

    from tests.cluster.apiserver import apply_overlay, objects_in, shared_cluster
    from tests.guide_manifests import PASSWORD, USER, rbd_registry

    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / ".sops.yaml", repo / ".sops.yaml")
    objects, old = rbd_registry("guide-e2e")
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump_all(objects, stream)
    imported = run_regc("import", "manifests", "-", "--name", "guide", stdin=stream.getvalue(), cwd=repo)
    assert imported.code == 1, imported.stderr  # the example Pod and the RBD Secret are reported
    assert run_regc("build", cwd=repo).code == 0

    cluster = shared_cluster()
    apply_overlay(cluster, repo, "guide")
    ca = tmp_path / "kubernetes-ca.pem"
    ca.write_text(old["ca"])
    registry = start_registry(objects_in(cluster, "guide-e2e"), tmp_path / "registry", processes, ca=ca)
    round_trip(registry, tmp_path, "e2e/guide", USER, PASSWORD)  # the guide's kube / kube123
    assert registry.status("/v2/", USER, "kube124") == 401


def test_an_imported_s3_install_stores_on_radosgw_with_its_old_keys(tmp_path: Path, processes, ceph):
    """The chart's S3 keys, imported into the secrets file, open the same bucket on the real radosgw."""
    from tests.cluster.apiserver import apply_overlay, objects_in, shared_cluster
    from tests.e2e.test_registry import bucket_owner

    access, secret = "REGCIMPORTEDKEY00001", "the-release-s3-secret-key-0123456789"
    bucket_owner(ceph, "registry-chart", access, secret, "registry-chart", tmp_path)

    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(REPO / ".sops.yaml", repo / ".sops.yaml")
    (repo / "values.yaml").write_text(
        "image: {repository: registry, tag: 2.8.3}\nstorage: s3\n"
        "s3: {region: us-east-1, regionEndpoint: 'http://rgw.ceph.example.internal:7480', bucket: registry-chart, "
        "secure: false}\n"
        f"secrets:\n  s3: {{accessKey: {access}, secretKey: {secret}}}\n"
    )
    imported = run_regc(
        "import",
        "helm-values",
        "values.yaml",
        "--name",
        "chart",
        "--namespace",
        "chart",
        "--chart-version",
        "2.2.2",
        cwd=repo,
    )
    assert imported.code == 0, imported.stderr
    assert secret not in imported.stdout + imported.stderr
    assert run_regc("build", cwd=repo).code == 0
    cluster = shared_cluster()
    apply_overlay(cluster, repo, "chart")
    registry = start_registry(
        objects_in(cluster, "chart"),
        tmp_path / "registry",
        processes,
        ca=None,
        hosts={"rgw.ceph.example.internal": "127.0.0.1"},
    )
    round_trip(registry, tmp_path, "e2e/chart", None, None)  # into the bucket, with the release's keys
