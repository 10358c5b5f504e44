"""The GitOps engine's objects: a Flux GitRepository and Kustomization, an Argo CD Application or
ApplicationSet, and the KSOPS generator through which Argo CD decrypts the overlay's Secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.envspec.model import GitOps

import re
from typing import Any

from regc import layout
from regc.layout import MEMBER_FILE, OVERLAYS
from regc.plan.plan import Plan


def flux_ref(gitops: GitOps) -> dict[str, Any]:
    """The GitRepository's `ref`: one field, chosen by `revisionKind` (or: a full SHA is a commit)."""
    kind = gitops.revision_kind
    if kind is None:
        kind = "commit" if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", gitops.revision) else "branch"
    return {kind: gitops.revision}


def overlay_path(plan: Plan) -> str:
    return plan.spec.gitops.path or layout.overlay_directory(plan.name)


def engine_namespace(plan: Plan) -> str:
    gitops = plan.spec.gitops
    return gitops.namespace or ("argocd" if gitops.engine == "argocd" else "flux-system")


def gitops_objects(plan: Plan) -> dict[str, dict[str, Any]]:
    """File name (under gitops/) -> object; empty without an engine."""
    gitops = plan.spec.gitops
    name = f"registry-{plan.name}"
    namespace = engine_namespace(plan)
    if gitops.engine == "flux":
        source = {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"interval": gitops.interval, "url": gitops.repo_url, "ref": flux_ref(gitops)},
        }
        sync: dict[str, Any] = {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "interval": gitops.interval,
                "path": f"./{overlay_path(plan)}",
                "prune": gitops.prune,
                "wait": True,
                "timeout": "5m",
                "sourceRef": {"kind": "GitRepository", "name": name},
            },
        }
        if plan.sealed:  # with a store, nothing in the overlay is encrypted: Flux needs no key
            sync["spec"]["decryption"] = {"provider": "sops", "secretRef": {"name": gitops.decryption_secret}}
        if gitops.kube_config is not None:
            sync["spec"]["kubeConfig"] = {"secretRef": {"name": gitops.kube_config.name, "key": gitops.kube_config.key}}
        return {layout.GIT_REPOSITORY_FILE: source, layout.FLUX_KUSTOMIZATION_FILE: sync}
    if gitops.engine == "argocd" and not gitops.application_set:
        application = _application(name, namespace, gitops, overlay_path(plan), plan.namespace)
        return {layout.APPLICATION_FILE: {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **application}}
    return {}


def ksops_generator(plan: Plan, secret_files: list[str]) -> dict[str, Any]:
    """KSOPS decrypts these files inside Argo CD's repo-server when it builds the overlay."""
    return {
        "apiVersion": "viaduct.ai/v1",
        "kind": "ksops",
        "metadata": {
            "name": f"registry-{plan.name}-secrets",
            "annotations": {"config.kubernetes.io/function": "exec:\n  path: ksops\n"},
        },
        "files": [f"./{name}" for name in secret_files],
    }


# In each member overlay: what the ApplicationSet's git files generator reads. Only folders regc
# compiled for the ApplicationSet hold it, so a folder a user adds under overlays/ is never adopted.
MEMBER_GLOB = f"{OVERLAYS}/*/{MEMBER_FILE}"


def application_set_member(plan: Plan) -> dict[str, Any]:
    """The member file's parameters: the destination of this environment's Application."""
    gitops = plan.spec.gitops
    if gitops.destination_name:
        return {"namespace": plan.namespace, "cluster": gitops.destination_name}
    return {"namespace": plan.namespace, "server": gitops.destination_server}


def application_set(members: list[Plan]) -> dict[str, Any]:
    """One Argo CD ApplicationSet for the `members`: a git files generator over the member files
    regc writes in their overlays, and the Application template that an environment with an
    Application of its own gets; each file's folder is the source path, its values the destination."""
    gitops = members[0].spec.gitops
    # The members name their clusters one way (a rule): by Argo CD's name, or by server URL.
    destination = {"name": "{{.cluster}}"} if gitops.destination_name else {"server": "{{.server}}"}
    template = _application(
        "registry-{{.path.basename}}", None, gitops, "{{.path.path}}", "{{.namespace}}", destination=destination
    )
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "registry", "namespace": engine_namespace(members[0])},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {"git": {"repoURL": gitops.repo_url, "revision": gitops.revision, "files": [{"path": MEMBER_GLOB}]}}
            ],
            "template": template,
        },
    }


def _application(
    name: str,
    namespace: str | None,
    gitops: GitOps,
    path: str,
    destination_namespace: str,
    destination: dict[str, str] | None = None,
) -> dict[str, Any]:
    own = {"name": gitops.destination_name} if gitops.destination_name else {"server": gitops.destination_server}
    metadata = {"name": name, "namespace": namespace, "finalizers": ["resources-finalizer.argocd.argoproj.io"]}
    return {
        "metadata": {key: value for key, value in metadata.items() if value is not None},
        "spec": {
            "project": gitops.project,
            "source": {"repoURL": gitops.repo_url, "targetRevision": gitops.revision, "path": path},
            "destination": {**(destination or own), "namespace": destination_namespace},
            "syncPolicy": {
                "automated": {"prune": gitops.prune, "selfHeal": gitops.self_heal},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
    }
