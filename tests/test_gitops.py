"""GitOps delivery: Flux and Argo CD objects that pass their published CRDs, Secrets that
each engine can decrypt, bootstrap objects outside what they sync, and `regc check` of them."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
from ruamel.yaml import YAML

from tests.conftest import kustomize, run_regc
from tests.crd_schema import problems
from tests.memory import MemoryRepo


def load(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text())


def _known_fields(obj: dict) -> None:
    """The object passes its published CRD (tests/crds/), as the API server would check it."""
    assert problems(obj) == [], f"{obj['kind']}: {problems(obj)}"


def test_flux_objects_have_only_crd_fields_and_decrypt_with_sops(built: Path):
    gitops = built / "overlays" / "staging" / "gitops"
    assert sorted(p.name for p in gitops.iterdir()) == ["flux-kustomization.yaml", "gitrepository.yaml"]
    source, sync = load(gitops / "gitrepository.yaml"), load(gitops / "flux-kustomization.yaml")
    for obj in (source, sync):
        _known_fields(obj)
        assert obj["metadata"]["namespace"] == "flux-system"
    assert sync["spec"]["path"] == "./overlays/staging" and sync["spec"]["prune"] is True
    assert sync["spec"]["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
    assert sync["spec"]["sourceRef"] == {"kind": "GitRepository", "name": source["metadata"]["name"]}
    secrets = [o for o in kustomize(built / "overlays" / "staging") if o["kind"] == "Secret"]
    assert secrets and all("sops" in s for s in secrets)  # plain resources, decrypted by Flux


@pytest.fixture
def own_application(built: Path) -> Path:
    """The examples with prod taken out of the ApplicationSet: an Argo CD Application of its own."""
    spec = built / "environments" / "prod.yaml"
    spec.write_text(spec.read_text().replace("  applicationSet: true", "  applicationSet: false"))
    result = run_regc("build", cwd=built)
    assert result.code == 0, result.stderr
    return built


def test_argocd_application_and_ksops_layout(own_application: Path, tmp_path: Path):
    built = own_application
    overlay = built / "overlays" / "prod"
    application = load(overlay / "gitops" / "application.yaml")
    _known_fields(application)
    assert application["spec"]["source"]["path"] == "overlays/prod"
    assert application["spec"]["syncPolicy"] == {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["CreateNamespace=true"],
    }
    kustomization = load(overlay / "kustomization.yaml")
    encrypted = sorted(p.name for p in overlay.glob("*.yaml") if "\nsops:" in p.read_text())
    assert not set(kustomization["resources"]) & set(encrypted)
    assert kustomization["generators"] == ["secret-generator.yaml"]
    generator = load(overlay / "secret-generator.yaml")
    assert generator["apiVersion"] == "viaduct.ai/v1" and generator["kind"] == "ksops"
    assert "exec" in generator["metadata"]["annotations"]["config.kubernetes.io/function"]
    assert sorted(f.removeprefix("./") for f in generator["files"]) == encrypted
    # Without its generator, the kustomization builds with the real kustomize.
    copy = tmp_path / "tree"
    shutil.copytree(built / "base", copy / "base")
    shutil.copytree(overlay, copy / "overlays" / "prod")
    del kustomization["generators"]
    YAML(typ="safe", pure=True).dump(kustomization, copy / "overlays" / "prod" / "kustomization.yaml")
    done = subprocess.run(["kubectl", "kustomize", str(copy / "overlays" / "prod")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "kind: Secret" not in done.stdout


def test_bootstrap_objects_are_not_synced_by_the_overlay(own_application: Path):
    built = own_application
    assert (built / "overlays" / "prod" / "gitops" / "application.yaml").is_file()
    for env in ("dev", "mirror", "prod", "staging"):
        rendered = kustomize(built / "overlays" / env)
        assert not [
            o for o in rendered if o["kind"] in ("Application", "ApplicationSet", "Kustomization", "GitRepository")
        ]


def generated_applications(tree: dict[str, bytes], appset: dict) -> dict[str, dict]:
    """The Applications Argo CD's git files generator makes from the repository's files (`tree`, by
    path): each file matching a `files` glob (a `*` within one folder) gives the parameters
    `path.path`, `path.basename` and the file's own keys, substituted into the template (the
    `{{.a.b}}` expressions regc writes; missingkey=error)."""
    (generator,) = appset["spec"]["generators"]
    applications = {}
    for pattern in generator["git"]["files"]:
        glob = pattern["path"]
        for name in sorted(n for n in tree if fnmatch.fnmatch(n, glob) and n.count("/") == glob.count("/")):
            found = PurePosixPath(name)
            folder = found.parent.as_posix()
            params = {"path": {"path": folder, "basename": found.parent.name}, **YAML(typ="safe").load(tree[name])}

            def value(match: re.Match, params: dict = params) -> str:
                node = params
                for part in match.group(1).split("."):
                    node = node[part]  # a KeyError is Argo CD's missingkey=error
                return str(node)

            text = json.dumps(appset["spec"]["template"])
            rendered = json.loads(re.sub(r"\{\{\s*\.([A-Za-z0-9_.]+)\s*\}\}", value, text))
            applications[rendered["metadata"]["name"]] = rendered
    return applications


def test_application_set_generates_the_argocd_overlays(built_memory: MemoryRepo):
    # A folder of the user's own under overlays/ (the README says such files are never touched).
    built_memory.write("overlays/scratch/kustomization.yaml", "resources: []\n")
    appset = built_memory.yaml("argocd/applicationset.yaml")
    _known_fields(appset)
    (generator,) = appset["spec"]["generators"]
    assert generator["git"]["files"] == [{"path": "overlays/*/applicationset-member.yaml"}]
    applications = generated_applications(built_memory.tree(), appset)
    assert sorted(applications) == ["registry-dev", "registry-mirror", "registry-prod"]  # not scratch, not staging
    destinations = {
        name: (
            app["spec"]["source"]["path"],
            app["spec"]["destination"]["namespace"],
            app["spec"]["destination"]["server"],
        )
        for name, app in applications.items()
    }
    assert destinations == {
        "registry-dev": ("overlays/dev", "registry-dev", "https://kubernetes.default.svc"),
        "registry-mirror": ("overlays/mirror", "registry-mirror", "https://kubernetes.default.svc"),
        "registry-prod": ("overlays/prod", "kube-registry", "https://kubernetes.default.svc"),
    }
    for app in applications.values():
        assert app["spec"]["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]
    # Members have no Application of their own (two owners of one Application would fight).
    assert not built_memory.exists("overlays/dev/gitops")
    assert not built_memory.exists("overlays/prod/gitops")
    for env in ("dev", "prod"):
        assert built_memory.yaml(f"overlays/{env}/kustomization.yaml")["generators"] == ["secret-generator.yaml"]
    assert built_memory.run("check").code == 0
    assert built_memory.text("overlays/scratch/kustomization.yaml") == "resources: []\n"


def test_application_set_members_may_deploy_to_different_clusters(memory: MemoryRepo):
    memory.edit(
        "environments/mirror.yaml",
        "  applicationSet: true",
        "  applicationSet: true\n  destinationServer: https://edge-1.example:6443",
    )
    result = memory.build()
    assert result.code == 0, result.stderr
    applications = generated_applications(memory.tree(), memory.yaml("argocd/applicationset.yaml"))
    assert applications["registry-mirror"]["spec"]["destination"]["server"] == "https://edge-1.example:6443"
    assert applications["registry-prod"]["spec"]["destination"]["server"] == "https://kubernetes.default.svc"


def test_a_fleet_names_its_clusters_in_the_application_set(memory: MemoryRepo):
    for name, cluster in (("mirror", "edge-1"), ("prod", "central"), ("dev", "central")):
        memory.edit(
            f"environments/{name}.yaml",
            "  applicationSet: true",
            f"  applicationSet: true\n  destinationName: {cluster}",
        )
    result = memory.build()
    assert result.code == 0, result.stderr
    appset = memory.yaml("argocd/applicationset.yaml")
    assert appset["spec"]["template"]["spec"]["destination"] == {"name": "{{.cluster}}", "namespace": "{{.namespace}}"}
    applications = generated_applications(memory.tree(), appset)
    assert applications["registry-mirror"]["spec"]["destination"] == {"name": "edge-1", "namespace": "registry-mirror"}
    assert applications["registry-prod"]["spec"]["destination"]["name"] == "central"
    memory.edit("environments/dev.yaml", "  destinationName: central\n", "")
    refused = memory.build()
    assert refused.code == 2
    assert "of the same ApplicationSet names its cluster by server URL" in refused.stderr


def test_flux_deploys_to_another_cluster_through_its_kubeconfig(memory: MemoryRepo):
    memory.write_spec(
        "edge",
        "namespace: edge\ngitops:\n  engine: flux\n  repoURL: https://git.example/r.git\n"
        "  kubeConfig: {name: edge-kubeconfig, key: value.yaml}\n",
    )
    assert memory.build("edge").code == 0
    sync = YAML(typ="safe").load(memory.read("overlays/edge/gitops/flux-kustomization.yaml"))
    assert sync["spec"]["kubeConfig"] == {"secretRef": {"name": "edge-kubeconfig", "key": "value.yaml"}}


def test_application_set_goes_when_no_environment_is_in_it(memory: MemoryRepo):
    assert memory.build().code == 0
    for env in ("dev", "mirror", "prod"):
        memory.edit(f"environments/{env}.yaml", "  applicationSet: true", "  applicationSet: false")
    result = memory.build()
    assert result.code == 0, result.stderr
    assert not [name for name in memory.tree() if name.startswith("argocd/")]
    assert "overlays/dev/gitops/application.yaml" in memory.tree()
    assert memory.check() == 0


def test_application_set_members_must_agree(memory: MemoryRepo):
    assert memory.build().code == 0  # then dev changes, and its build is refused
    memory.write("environments/dev.yaml", memory.read("environments/dev.yaml").decode() + "  revision: develop\n")
    result = memory.build()
    assert result.code == 2
    assert "environments/dev.yaml:" in result.stderr
    assert "gitops.revision: 'develop' differs from 'main' of environment 'mirror'" in result.stderr


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "  engine: flux\n  repoURL: https://example.com/x.git\n  applicationSet: true\n",
            "gitops.applicationSet: an ApplicationSet is Argo CD's",
        ),
        (
            "  engine: argocd\n  repoURL: https://example.com/x.git\n  applicationSet: true\n  path: deploy/x\n",
            "gitops.path: the ApplicationSet generates one Application per overlays/<env> folder",
        ),
    ],
)
def test_application_set_rules(memory: MemoryRepo, body: str, message: str):
    memory.write_spec("bad", "namespace: bad\ngitops:\n" + body)
    result = memory.build("bad")
    assert result.code == 2 and message in result.stderr


def test_no_engine_no_gitops_objects(memory: MemoryRepo):
    memory.write_spec("plain", "namespace: plain\n")
    result = memory.build("plain")
    assert result.code == 0, result.stderr
    assert not any(n.startswith("overlays/plain/gitops/") for n in memory.tree())
    kustomization = YAML(typ="safe").load(memory.read("overlays/plain/kustomization.yaml"))
    assert "secret-registry-http-secret.yaml" in kustomization["resources"]


def test_an_engine_needs_a_repository(memory: MemoryRepo):
    memory.write_spec("bad", "namespace: bad\ngitops:\n  engine: flux\n")
    result = memory.build("bad")
    assert result.code == 2 and "gitops.repoURL: flux needs the Git repository" in result.stderr


@pytest.mark.parametrize(
    "damage, message",
    [
        ("argo-resource", "lists the encrypted secret-registry-htpasswd.yaml under resources"),
        ("missing-path", "points at overlays/nowhere, which holds no kustomization.yaml"),
        ("no-revision", "names no revision"),
    ],
)
def test_check_audits_gitops(built_memory: MemoryRepo, damage: str, message: str):
    built_memory.edit("environments/prod.yaml", "  applicationSet: true", "  applicationSet: false")
    assert built_memory.run("build").code == 0
    assert built_memory.run("check").code == 0
    if damage == "argo-resource":
        built_memory.edit(
            "overlays/prod/kustomization.yaml",
            "  - namespace.yaml\n",
            "  - namespace.yaml\n  - secret-registry-htpasswd.yaml\n",
        )
    elif damage == "missing-path":
        built_memory.edit("overlays/prod/gitops/application.yaml", "path: overlays/prod", "path: overlays/nowhere")
    else:
        built_memory.edit("overlays/prod/gitops/application.yaml", "targetRevision: main", 'targetRevision: ""')
    result = built_memory.run("check")
    assert result.code == 1 and message in result.stderr


def test_check_audits_the_application_set(built_memory: MemoryRepo):
    built_memory.edit(
        "overlays/dev/kustomization.yaml", "  - namespace.yaml\n", "  - namespace.yaml\n  - secret-registry-tls.yaml\n"
    )
    result = built_memory.run("check")
    assert result.code == 1
    assert "overlays/dev/kustomization.yaml lists the encrypted secret-registry-tls.yaml" in result.stderr


def test_init_prints_the_flux_age_key_command(memory: MemoryRepo):
    result = memory.run("init", "edge")
    assert "kubectl create secret generic sops-age --namespace=flux-system --from-file=age.agekey=" in result.stdout
    assert memory.yaml("environments/edge.yaml")["namespace"] == "edge"


def test_building_one_member_says_how_to_update_the_application_set(built_memory: MemoryRepo):
    spec = "environments/prod.yaml"
    built_memory.write(spec, built_memory.text(spec) + "# a comment\n")
    one = built_memory.run("build", "environments/prod.yaml")
    assert one.code == 0 and "argocd/applicationset.yaml depends on every environment" in one.stderr
    assert built_memory.run("build", "--check").code == 1  # argocd/ is behind until a full build
    full = built_memory.run("build")
    assert full.code == 0 and "depends on every environment" not in full.stderr
    assert built_memory.run("build", "--check").code == 0


def test_a_missing_application_set_is_noticed_by_the_no_op_path(built: Path):
    shutil.rmtree(built / "argocd")
    check = run_regc("build", "--check", cwd=built)
    assert check.code == 1 and "argocd/applicationset.yaml" in check.stderr
    assert run_regc("build", cwd=built).code == 0
    assert (built / "argocd" / "applicationset.yaml").is_file()
