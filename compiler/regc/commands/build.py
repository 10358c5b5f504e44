"""`regc build`: compile the specs, then write the tree, check it or show its diff."""

from __future__ import annotations

import sys
from pathlib import Path

from regc import layout, report
from regc.compiler import Compiler, discover_specs
from regc.layout import checked_specs
from regc.world import World


def run(
    world: World,
    specs: list[Path] | None,
    *,
    check: bool = False,
    diff: bool = False,
    regenerate: bool = False,
    verbose: bool = False,
) -> int:
    """Compile the SPECS (every environment when None), then write, check or diff; the exit status."""
    paths = checked_specs(world.root, specs, world.files) if specs else discover_specs(world.root, world.files)
    prune = not specs
    if check or diff:
        compiler = Compiler(world)
        changes = compiler.changes(compiler.compile(paths), prune=prune)
        if diff:
            sys.stdout.write(report.unified_diff(changes))
        if any(c.changed for c in changes):
            report.stale([c for c in changes if c.changed])
            return 1
        if check:
            report.up_to_date([(c.unit.directory, len(c.unit.files)) for c in changes], check=True)
        return 0
    return _write(world, paths, prune=prune, regenerate=regenerate, verbose=verbose)


def _write(world: World, paths: list[Path], *, prune: bool, regenerate: bool, verbose: bool) -> int:
    with world.files.lock(world.root):  # the secrets stage may write secrets files: hold the lock from the start
        if world.files.recover(world.root):
            report.note("regc: finished an interrupted build")
        compiler = Compiler(world, may_decrypt=True, regenerate=regenerate)
        compiled = compiler.compile(paths)
        changes = compiler.changes(compiled, prune=prune)
        compiler.write(compiled, changes)
    report.written(changes, compiled.generated, verbose=verbose)
    if any(env.spec.gitops.application_set for env in compiled.environments) and not any(
        change.unit.directory == layout.APPLICATION_SET_DIRECTORY for change in changes
    ):
        report.note(
            f"note: {layout.APPLICATION_SET_DIRECTORY}/{layout.APPLICATION_SET_FILE} depends on every environment: "
            "`regc build` with no SPEC brings it up to date"
        )
    for env in compiled.environments:
        if env.spec.insecure and not env.spec.tls.enabled:
            report.note(
                f"warning: {env.name} serves without TLS (insecure: true): every client daemon needs "
                "--insecure-registry, and passwords cross the network in clear"
            )
    return 0
