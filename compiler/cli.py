"""The `regc` command line: build, check, init, schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from regc import __version__
from regc.errors import RegcError

app = typer.Typer(
    name="regc",
    help="Compile registry environment specs (environments/*.yaml) into a Kustomize tree: "
         "base/ shared by all, overlays/<env>/ for each.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

RootOption = Annotated[Path, typer.Option("--root", "-C", help="Repository root: where environments/, "
                                          "base/ and overlays/ are.", show_default=True)]


def _version(value: bool) -> None:
    if value:
        print(f"regc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                          help="Print the version and exit.")] = None) -> None:
    """regc: a GitOps manifest compiler for a private container registry."""


@app.command()
def build(
    specs: Annotated[Optional[list[Path]], typer.Argument(
        help="Environment specs to build; default: every environments/*.yaml.", show_default=False)] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 and name each stale, "
                                        "missing or extra file if the tree is not up to date.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of what "
                                       "would change.")] = False,
    root: RootOption = Path("."),
) -> None:
    """Compile environment specs into base/ and overlays/<env>/.

    Writes all or nothing; a rebuild with nothing changed changes no byte. Files in the
    output folders that regc did not write are left alone. With no SPECS, environments
    whose spec was removed have their overlay removed too.

    Examples:

      regc build                          # every environment

      regc build environments/prod.yaml   # one environment

      regc build --check                  # in CI: fail if the tree is stale
    """
    from regc.build import compile_tree, discover_specs, plan_changes, unified_diff

    paths = list(specs) if specs else discover_specs(root)
    compiled = compile_tree(paths, root)
    changes = plan_changes(root, compiled, prune=not specs)
    if diff:
        sys.stdout.write(unified_diff(changes))
    if check or diff:
        stale = [c for c in changes if c.changed]
        for change in stale:
            for label, names in (("stale", change.stale), ("missing", change.missing), ("extra", change.extra)):
                for name in names:
                    print(f"{label}: {change.unit.directory}/{name}", file=sys.stderr)
        if stale:
            print("the compiled tree is not up to date: run `regc build`", file=sys.stderr)
            raise typer.Exit(1)
        if check:
            print(f"up to date: {len(compiled.environments)} environment(s)")
        return
    _write(root, compiled, changes, prune=not specs)


def _write(root: Path, compiled, changes: list, *, prune: bool) -> None:
    from regc.build import plan_changes
    from regc.write.commit import JOURNAL, commit, recover
    from regc.write.lock import build_lock

    if any(c.changed for c in changes) or (root / JOURNAL).exists():
        with build_lock(root):
            if recover(root):
                print("regc: finished an interrupted build", file=sys.stderr)
            changes = plan_changes(root, compiled, prune=prune)  # the disk may have moved meanwhile
            commit(root, changes)
    for change in changes:
        if change.changed:
            parts = [f"{len(names)} {label}" for label, names in
                     (("updated", change.stale), ("added", change.missing), ("removed", change.extra)) if names]
            print(f"{change.unit.directory}: {', '.join(parts)}")
        else:
            print(f"{change.unit.directory}: up to date ({len(change.unit.files)} files)")


@app.command()
def check(root: RootOption = Path(".")) -> None:
    """Check the tree in CI: up to date with the specs, and every Secret SOPS-encrypted.

    Needs no private key. Exit 0 when all is well, 1 otherwise, 2 for an invalid spec.
    """
    from regc.audit import audit_tree
    from regc.build import compile_tree, discover_specs, plan_changes

    compiled = compile_tree(discover_specs(root), root)
    failures = [f"{label}: {c.unit.directory}/{name}"
                for c in plan_changes(root, compiled, prune=True) if c.changed
                for label, names in (("stale", c.stale), ("missing", c.missing), ("extra", c.extra))
                for name in names]
    failures += audit_tree(root)
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print("regc check failed: fix the above (most often: run `regc build` and commit)", file=sys.stderr)
        raise typer.Exit(1)
    print(f"ok: {len(compiled.environments)} environment(s) up to date, no Secret in clear")


@app.command()
def init(
    name: Annotated[str, typer.Argument(help="Environment name: a DNS label such as prod or dev.")],
    namespace: Annotated[Optional[str], typer.Option(help="Namespace of the registry.")] = None,
    root: RootOption = Path("."),
) -> None:
    """Write a commented starter spec, environments/NAME.yaml."""
    from regc.starter import write_starter

    path = write_starter(root, name, namespace)
    print(f"wrote {path}\nnext: edit it, then run `regc build {path.relative_to(root) if not path.is_absolute() else path}`")


@app.command()
def schema(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file "
                                                   "instead of standard output.")] = None,
    format: Annotated[str, typer.Option("--format", help="json: the JSON Schema (for editors: "
                                        "yaml-language-server); markdown: the reference table.")] = "json",
) -> None:
    """Print the JSON Schema of environment specs, or their reference as a Markdown table."""
    if format == "json":
        from regc.spec.schema import schema_text

        text = schema_text()
    elif format == "markdown":
        from regc.spec.reference import reference_markdown

        text = reference_markdown()
    else:
        raise RegcError(f"unknown format {format!r}", "use --format json or --format markdown")
    if output:
        output.write_text(text)
    else:
        sys.stdout.write(text)


def main() -> None:
    """Run the CLI; errors a person can act on are printed without a traceback."""
    try:
        app()  # standalone: click reports usage errors (exit 2) and exits with the command's status
    except RegcError as exc:
        print(str(exc) if exc.exit_code == 2 else f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted; the tree is as it was", file=sys.stderr)
        sys.exit(130)
