"""The GitOps engine's objects: a Flux GitRepository and Kustomization, or an Argo CD Application,
and the KSOPS generator through which Argo CD decrypts the overlay's Secrets."""

from __future__ import annotations

from regc.plan.plan import Plan

KSOPS_GENERATOR = "secret-generator.yaml"


def overlay_path(plan: Plan) -> str:
    return plan.spec.gitops.path or f"overlays/{plan.name}"


def engine_namespace(plan: Plan) -> str:
    gitops = plan.spec.gitops
    return gitops.namespace or ("argocd" if gitops.engine == "argocd" else "flux-system")


def gitops_objects(plan: Plan) -> dict[str, dict]:
    """File name (under gitops/) -> object; empty without an engine."""
    gitops = plan.spec.gitops
    name = f"registry-{plan.name}"
    namespace = engine_namespace(plan)
    if gitops.engine == "flux":
        source = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                  "metadata": {"name": name, "namespace": namespace},
                  "spec": {"interval": gitops.interval, "url": gitops.repo_url, "ref": {"branch": gitops.revision}}}
        sync = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"interval": gitops.interval, "path": f"./{overlay_path(plan)}", "prune": gitops.prune,
                         "wait": True, "timeout": "5m",
                         "sourceRef": {"kind": "GitRepository", "name": name},
                         "decryption": {"provider": "sops", "secretRef": {"name": gitops.decryption_secret}}}}
        return {"gitrepository.yaml": source, "flux-kustomization.yaml": sync}
    if gitops.engine == "argocd":
        automated = {"prune": gitops.prune, "selfHeal": gitops.self_heal}
        application = {
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": namespace,
                         "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {"project": gitops.project,
                     "source": {"repoURL": gitops.repo_url, "targetRevision": gitops.revision,
                                "path": overlay_path(plan)},
                     "destination": {"server": gitops.destination_server, "namespace": plan.namespace},
                     "syncPolicy": {"automated": automated, "syncOptions": ["CreateNamespace=true"]}}}
        return {"application.yaml": application}
    return {}


def ksops_generator(plan: Plan, secret_files: list[str]) -> dict:
    """KSOPS decrypts these files inside Argo CD's repo-server when it builds the overlay."""
    return {"apiVersion": "viaduct.ai/v1", "kind": "ksops",
            "metadata": {"name": f"registry-{plan.name}-secrets",
                         "annotations": {"config.kubernetes.io/function": "exec:\n  path: ksops\n"}},
            "files": [f"./{name}" for name in secret_files]}
