"""`regc build`: compile, then write, check or diff. Free of typer, so the console script runs this
hottest command directly (regc.entry), and the typer command (regc.cli) calls the same function."""

from __future__ import annotations

import sys
from pathlib import Path


def run_build(
    specs: list[Path] | None, root: Path, *, check: bool = False, diff: bool = False, regenerate: bool = False
) -> int:
    """Build the SPECS (every environment when None); return the exit status."""
    from regc.build import compile_tree, discover_specs, plan_changes, unified_diff
    from regc.layout import checked_specs

    paths = checked_specs(root, specs) if specs else discover_specs(root)
    prune = not specs
    if not (check or diff):
        return _write(root, paths, prune=prune, regenerate=regenerate)
    compiled = compile_tree(paths, root)
    changes = plan_changes(root, compiled, prune=prune)
    if diff:
        sys.stdout.write(unified_diff(changes))
    stale = [c for c in changes if c.changed]
    for change in stale:
        for label, names in (("stale", change.stale), ("missing", change.missing), ("extra", change.extra)):
            for name in names:
                why = change.unit.unresolved.get(name)
                print(f"{label}: {change.unit.directory}/{name}" + (f" ({why})" if why else ""), file=sys.stderr)
    if stale:
        print("the compiled tree is not up to date: run `regc build`", file=sys.stderr)
        return 1
    if check:
        print(f"up to date: {len(paths)} environment(s)")
    return 0


def _write(root: Path, paths: list[Path], *, prune: bool, regenerate: bool) -> int:
    from regc.build import compile_tree, plan_changes
    from regc.plan.names import APPLICATION_SET_DIRECTORY
    from regc.write.commit import commit, recover
    from regc.write.lock import build_lock

    with build_lock(root):  # the secrets stage may write secrets files: hold the lock from the start
        if recover(root):
            print("regc: finished an interrupted build", file=sys.stderr)
        compiled = compile_tree(paths, root, may_decrypt=True, regenerate=regenerate)
        changes = plan_changes(root, compiled, prune=prune)
        commit(root, changes, compiled.secrets_files)
    for name, generated in compiled.generated.items():
        print(f"generated in environments/{name}.secrets.yaml: {', '.join(generated)}", file=sys.stderr)
    for change in changes:
        if change.changed:
            parts = [
                f"{len(names)} {label}"
                for label, names in (("updated", change.stale), ("added", change.missing), ("removed", change.extra))
                if names
            ]
            print(f"{change.unit.directory}: {', '.join(parts)}")
        else:
            print(f"{change.unit.directory}: up to date ({len(change.unit.files)} files)")
    if any(env.spec.gitops.application_set for env in compiled.environments) and not any(
        change.unit.directory == APPLICATION_SET_DIRECTORY for change in changes
    ):
        print(
            "note: argocd/applicationset.yaml depends on every environment: `regc build` with no SPEC "
            "brings it up to date",
            file=sys.stderr,
        )
    for env in compiled.environments:
        if env.spec.insecure and not env.spec.tls.enabled:
            print(
                f"warning: {env.name} serves without TLS (insecure: true): every client daemon needs "
                f"--insecure-registry, and passwords cross the network in clear",
                file=sys.stderr,
            )
    return 0


def parse_simple(argv: list[str]) -> tuple[list[Path], Path, bool, bool] | None:
    """`build [--check] [--diff] [-C ROOT] [SPEC ...]` as (specs, root, check, diff); None for
    anything else (--help, --regenerate-secrets, an unknown option), which the full command line handles."""
    if not argv or argv[0] != "build":
        return None
    specs: list[Path] = []
    root, check, diff = Path("."), False, False
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--check":
            check = True
        elif arg == "--diff":
            diff = True
        elif arg in ("-C", "--root"):
            value = next(rest, None)
            if value is None:
                return None
            root = Path(value)
        elif arg.startswith("--root="):
            root = Path(arg.split("=", 1)[1])
        elif arg.startswith("-"):
            return None
        else:
            specs.append(Path(arg))
    return specs, root, check, diff
