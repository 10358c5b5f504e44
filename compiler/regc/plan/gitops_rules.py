"""Rules of GitOps delivery: what each engine needs, and what the environments of one ApplicationSet share."""

from __future__ import annotations

from regc.errors import Problem
from regc.spec.parse import LoadedEnvironment


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
