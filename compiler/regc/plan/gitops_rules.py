"""Rules of GitOps delivery: what each engine needs, and what the environments of one ApplicationSet share."""

from __future__ import annotations

from regc.envspec.parse import LoadedEnvironment
from regc.errors import Problem


def check_gitops_rules(env: LoadedEnvironment) -> list[Problem]:
    spec = env.spec
    problems: list[Problem] = []
    if spec.gitops.engine != "none" and not spec.gitops.repo_url:
        problems.append(
            Problem(
                env.locate("gitops", "engine"),
                f"gitops.repoURL: {spec.gitops.engine} needs the Git repository that holds this tree",
                "set gitops.repoURL, e.g. https://github.com/acme/registry-gitops.git",
            )
        )
    if spec.gitops.application_set and spec.gitops.engine != "argocd":
        problems.append(
            Problem(
                env.locate("gitops", "applicationSet"),
                "gitops.applicationSet: an ApplicationSet is Argo CD's",
                "set gitops.engine: argocd, or remove applicationSet",
            )
        )
    gitops = spec.gitops
    default_server = type(gitops).model_fields["destination_server"].default
    if gitops.destination_name and gitops.destination_server != default_server:
        problems.append(
            Problem(
                env.locate("gitops", "destinationName"),
                "gitops.destinationName: with destinationServer too; Argo CD takes one of them",
                "keep one",
            )
        )
    for key, set_, engine in (
        ("destinationName", gitops.destination_name, "argocd"),
        ("kubeConfig", gitops.kube_config, "flux"),
    ):
        if set_ is not None and gitops.engine != engine:
            problems.append(
                Problem(
                    env.locate("gitops", key),
                    f"gitops.{key}: {engine}'s, but gitops.engine is {gitops.engine}",
                    f"set gitops.engine: {engine}, or remove {key}",
                )
            )
    if spec.gitops.application_set and spec.gitops.path:
        problems.append(
            Problem(
                env.locate("gitops", "path"),
                "gitops.path: the ApplicationSet generates one Application per overlays/<env> folder",
                "remove gitops.path, or set applicationSet: false for an Application of its own",
            )
        )
    return problems


# The generator and the template: one per ApplicationSet. The destination (namespace, cluster) is
# each member's own, read from the member file in its overlay.
APPLICATION_SET_SHARED = ("repo_url", "revision", "project", "namespace", "prune", "self_heal")


def check_application_set(environments: list[LoadedEnvironment]) -> list[Problem]:
    """The environments of the one ApplicationSet share its generator and its template: what they
    would set differently, an ApplicationSet cannot express."""
    members = [env for env in environments if env.spec.gitops.application_set]
    problems = []
    by_name = [env for env in members if env.spec.gitops.destination_name]
    if by_name and len(by_name) != len(members):
        odd = next(env for env in members if not env.spec.gitops.destination_name)
        problems.append(
            Problem(
                by_name[0].locate("gitops", "destinationName"),
                f"gitops.destinationName: environment {odd.name!r} ({odd.positions.path}) of the same "
                "ApplicationSet names its cluster by server URL; one template names them one way",
                "give every member a destinationName, or none",
            )
        )
    for env in members[1:]:
        first = members[0]
        for name in APPLICATION_SET_SHARED:
            mine, theirs = getattr(env.spec.gitops, name), getattr(first.spec.gitops, name)
            if mine != theirs:
                key = type(env.spec.gitops).model_fields[name].alias or name
                problems.append(
                    Problem(
                        env.locate("gitops", key),
                        f"gitops.{key}: {mine!r} differs from {theirs!r} of environment {first.name!r} "
                        f"({first.positions.path}), and both are in the ApplicationSet",
                        f"give both the same {key}, or set applicationSet: false on one for an Application of its own",
                    )
                )
    return problems
