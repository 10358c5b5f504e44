"""The `regc` console script. `regc build` in its plain forms runs here without the full command
line (typer costs about 70 ms to start), and a no-op answers from the manifests alone; the typer
command (regc.cli) calls the same `run_build`."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    # pydantic looks for plugins among every installed package's entry points when it builds the first
    # model (about 10 ms); regc uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    simple = parse_simple(sys.argv[1:])  # the test suite runs this in process with sys.argv set
    if simple is None:
        from regc.cli import main as full_main

        full_main()
        return
    specs, root, check, diff = simple
    from regc.errors import RegcError

    try:
        if specs:
            from regc.layout import checked_specs

            checked_specs(root, specs)
        if not diff:
            try:
                status = noop_answer(specs, root, check)
            except (OSError, ValueError):
                status = None  # anything odd: the full build decides, and reports it properly
            if status is not None:
                sys.exit(status)
        sys.exit(run_build(specs or None, root, check=check, diff=diff))
    except RegcError as exc:
        sys.exit(exc.report())
    except KeyboardInterrupt:
        print("interrupted; the tree is as it was", file=sys.stderr)
        sys.exit(130)


def noop_answer(specs: list[Path], root: Path, check: bool) -> int | None:
    """Answer a no-op `regc build [--check]` from the manifests (regc.cache); None when anything changed."""
    import datetime

    from regc import report
    from regc.cache import all_fresh

    units = all_fresh(root, specs or None, datetime.datetime.now(datetime.UTC))
    if units is None:
        return None
    report.up_to_date([(u.directory, len(u.files)) for u in units], check)
    return 0


def run_build(
    specs: list[Path] | None, root: Path, *, check: bool = False, diff: bool = False, regenerate: bool = False
) -> int:
    """`regc build`: compile the SPECS (every environment when None), then write, check or diff;
    return the exit status."""
    from regc import report
    from regc.compiler import Compiler, discover_specs
    from regc.layout import checked_specs

    paths = checked_specs(root, specs) if specs else discover_specs(root)
    prune = not specs
    if check or diff:
        compiler = Compiler(root)
        changes = compiler.changes(compiler.compile(paths), prune=prune)
        if diff:
            sys.stdout.write(report.unified_diff(changes))
        if any(c.changed for c in changes):
            report.stale([c for c in changes if c.changed])
            return 1
        if check:
            report.up_to_date([(c.unit.directory, len(c.unit.files)) for c in changes], check=True)
        return 0
    return _write(root, paths, prune=prune, regenerate=regenerate)


def _write(root: Path, paths: list[Path], *, prune: bool, regenerate: bool) -> int:
    from regc import layout, report
    from regc.compiler import Compiler
    from regc.write.commit import recover
    from regc.write.lock import build_lock

    with build_lock(root):  # the secrets stage may write secrets files: hold the lock from the start
        if recover(root):
            report.note("regc: finished an interrupted build")
        compiler = Compiler(root, may_decrypt=True, regenerate=regenerate)
        compiled = compiler.compile(paths)
        changes = compiler.changes(compiled, prune=prune)
        compiler.write(compiled, changes)
    report.written(changes, compiled.generated)
    if any(env.spec.gitops.application_set for env in compiled.environments) and not any(
        change.unit.directory == layout.APPLICATION_SET_DIRECTORY for change in changes
    ):
        report.note(
            f"note: {layout.APPLICATION_SET_DIRECTORY}/applicationset.yaml depends on every environment: "
            "`regc build` with no SPEC brings it up to date"
        )
    for env in compiled.environments:
        if env.spec.insecure and not env.spec.tls.enabled:
            report.note(
                f"warning: {env.name} serves without TLS (insecure: true): every client daemon needs "
                "--insecure-registry, and passwords cross the network in clear"
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
