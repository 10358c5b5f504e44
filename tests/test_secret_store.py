"""Secrets from a store (`secretStore`), in memory: the ExternalSecrets that replace regc's sealed
Secrets (nothing secret in the tree, no key and no sops needed), what the engines then need, the
pods' restarts on the operator's Secrets, and what a store cannot hold refused where it is written.
The real operator builds the Secrets in tests/cluster/test_external_secrets.py."""

from __future__ import annotations

from collections import Counter

import pytest
from ruamel.yaml import YAML

from regc import layout
from regc.compiler import Compiler
from regc.plan.credentials import store_made_secrets
from regc.plan.plan import plan_for
from regc.secrets.products import Kind, products
from tests.crd_schema import problems
from tests.memory import MemoryRepo

STORE = (
    "secretStore:\n  name: vault\n  key: registry/{name}\n"
    "tls:\n  certificate: provided\nstorage:\n  driver: s3\n  bucket: bkt-{name}\n  regionendpoint: http://rgw:7480\n"
    "auth:\n  htpasswd:\n    users: [alice, ci-pull]\npullSecrets:\n  name: {name}-pull\n  user: ci-pull\n"
    "  namespaces: [apps]\nsmokeTest:\n  enabled: true\n"
)


def _spec(name: str, extra: str = "") -> str:
    return f"namespace: {name}\n" + STORE.format(name=name) + extra


def _external_secrets(objects: list[dict]) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "ExternalSecret"}


def test_every_secret_comes_from_the_store_and_nothing_secret_is_in_the_tree(memory: MemoryRepo):
    objects = memory.objects("vault", _spec("vault"))
    assert memory.sealer.calls == Counter()  # no key, no sops: nothing was encrypted or decrypted
    assert not [o for o in objects if o["kind"] == "Secret"]
    found = _external_secrets(objects)
    assert sorted(found) == [
        "registry-htpasswd",
        "registry-http-secret",
        "registry-smoke-credentials",
        "registry-storage",
        "registry-tls",
        "vault-pull",
    ]
    for obj in found.values():
        assert problems(obj) == [], obj["metadata"]["name"]  # the operator's published CRD accepts it
        assert obj["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
        assert obj["spec"]["target"]["name"] == obj["metadata"]["name"]
        assert {d["remoteRef"]["key"] for d in obj["spec"]["data"]} == {"registry/vault"}
    assert found["vault-pull"]["metadata"]["namespace"] == "apps"  # beside the pods that pull with it
    properties = {d["remoteRef"]["property"] for o in found.values() for d in o["spec"]["data"]}
    assert properties == {
        "httpSecret",
        "users.alice",
        "users.ci-pull",
        "tls.cert",
        "tls.key",
        "s3.accessKey",
        "s3.secretKey",
    }  # the secrets file's own paths, under the store's key
    htpasswd = found["registry-htpasswd"]["spec"]["target"]["template"]["data"]["htpasswd"]
    assert htpasswd == (
        '{{ htpasswd "alice" (index . "users.alice") }}\n{{ htpasswd "ci-pull" (index . "users.ci-pull") }}\n'
    )
    tree = memory.tree()
    overlay = {n: c for n, c in tree.items() if n.startswith("overlays/vault/")}
    assert not [n for n in overlay if "/secret-" in n or n.endswith(".regc-secrets.yaml")]
    assert not [n for n, c in overlay.items() if b"sops:" in c or b"ENC[" in c]


def test_the_registry_restarts_on_the_store_values_it_reads_at_start_and_not_on_its_htpasswd(memory: MemoryRepo):
    objects = memory.objects("vault", _spec("vault"))
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "registry")
    reload = deployment["metadata"]["annotations"]["secret.reloader.stakater.com/reload"]
    assert reload == "registry-http-secret,registry-storage,registry-tls"  # the htpasswd file: re-read by it
    assert "regc/secrets-sha256" not in deployment["spec"]["template"]["metadata"]["annotations"]


def test_the_engines_need_no_key(memory: MemoryRepo):
    git = "gitops:\n  engine: {engine}\n  repoURL: https://git.example/r.git\n"
    memory.objects("viaflux", _spec("viaflux", git.format(engine="flux")))
    sync = YAML(typ="safe").load(memory.read("overlays/viaflux/gitops/flux-kustomization.yaml"))
    assert "decryption" not in sync["spec"]  # Flux needs no sops-age Secret
    memory.objects("viaargo", _spec("viaargo", git.format(engine="argocd")).replace("-pull", "-argo-pull"))
    kustomization = YAML(typ="safe").load(memory.read("overlays/viaargo/kustomization.yaml"))
    assert "generators" not in kustomization  # no KSOPS: the ExternalSecrets are plain resources
    assert "externalsecret-registry-htpasswd.yaml" in kustomization["resources"]
    assert "overlays/viaargo/secret-generator.yaml" not in memory.tree()


@pytest.mark.parametrize(
    "change, message",
    [
        (("tls:\n  certificate: provided\n", ""), "tls.certificate: generate keeps a CA and its key in the secrets"),
        (("regionendpoint: http://rgw:7480\n", "regionendpoint: http://rgw:7480\n  credentials: generate\n"),
         "storage.credentials: generate writes new credentials to the secrets file"),
        (("users: [alice, ci-pull]\n", "users: [alice, ci-pull]\n    generateMissingPasswords: true\n"),
         "auth.htpasswd.generateMissingPasswords: with secretStore the passwords are the store's"),
        (("users: [alice, ci-pull]\n", "users: [alice, ci-pull]\n    bcryptCost: 12\n"),
         "auth.htpasswd.bcryptCost: 12, but the operator's templates hash at bcrypt's default cost, 10"),
        (("name: vault\n", "name: vault\n  kind: SecretStore\n"),
         "secretStore.kind: a SecretStore serves its own namespace (bad), and the pull secrets go to apps"),
        (("smokeTest:", "notifications:\n  - {name: hook, url: 'https://h.example/e', secretHeaders: [Authorization]}\n"
          "smokeTest:"), "notifications.hook.secretHeaders: the header values are read from the secrets file"),
        (("refreshInterval", "refreshInterval"), "secretStore.refreshInterval: 'soon' is not a refresh interval"),
    ],
    ids=["tls-generate", "storage-generate", "generate-passwords", "bcrypt-cost", "namespaced-store",
         "secret-headers", "refresh-interval"],
)  # fmt: skip
def test_what_a_store_cannot_hold_is_refused_where_it_is_written(memory: MemoryRepo, change, message: str):
    old, new = change
    spec = _spec("bad").replace(old, new, 1)
    if old == "refreshInterval":
        spec = spec.replace("  key: registry/bad\n", "  key: registry/bad\n  refreshInterval: soon\n")
    error = memory.refused("bad", spec)
    assert message in error and "environments/bad.yaml:" in error, error


def test_a_secrets_file_beside_a_store_is_refused(memory: MemoryRepo):
    memory.set_secret("vault", ("httpSecret",), "x" * 32)
    error = memory.refused("vault", _spec("vault"))
    assert "environments/vault.secrets.yaml: vault takes its secrets from the store (secretStore)" in error
    assert "x" * 32 not in error


def test_the_restart_list_is_every_mounted_secret_of_the_store_but_the_htpasswd_file(memory: MemoryRepo):
    """store_made_secrets (read by the Deployment's renderer) restates which Secrets the registry
    reads at start: held to the secrets stage's own products, so the two cannot drift apart."""
    extras = "proxy:\n  remoteurl: https://registry-1.docker.io\n  credentials: true\n"
    memory.write_spec("vault", _spec("vault", extras))
    [env] = Compiler(memory.world).load([layout.spec_path(memory.root, "vault")])
    plan = plan_for("vault", env.spec)
    mounted = {p.public["secret"] for p in products(plan, {}) if p.mounted and p.kind is not Kind.HTPASSWD}
    assert set(store_made_secrets(env.spec)) == mounted
    assert mounted == {"registry-http-secret", "registry-tls", "registry-storage", "registry-credentials"}
