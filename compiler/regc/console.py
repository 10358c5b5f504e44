"""The `regc` console script, and the one place regc's errors become exit statuses. `regc build` in
its plain forms runs without the full command line (typer costs about 70 ms to start), and a no-op
answers from the manifests alone (regc.cache); anything else goes to the command line (regc.cli).
Both end in the same command modules (regc.commands)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regc.cli import WorldAt


def main() -> None:
    # pydantic looks for plugins among every installed package's entry points when it builds the first
    # model (about 10 ms); regc uses none.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    sys.exit(exit_status(sys.argv[1:]))  # the test suite runs this in process with sys.argv set


def exit_status(argv: list[str], world_at: WorldAt | None = None) -> int:
    """Run the command line `argv`; an error a person can act on is printed without a traceback,
    with its exit status (regc.errors: 2 for an input, 3 for a tool, 1 otherwise). `world_at` opens
    the repository at a root (regc.cli.run); given one, no command reads the disk."""
    from regc.errors import RegcError

    try:
        if world_at is not None:
            from regc import cli

            return cli.run(argv, world_at)
        return _dispatch(argv)
    except RegcError as exc:
        return exc.report()
    except KeyboardInterrupt:
        print("interrupted; the tree is as it was", file=sys.stderr)
        return 130


def _dispatch(argv: list[str]) -> int:
    simple = parse_simple(argv)
    if simple is None:
        from regc import cli

        return cli.run(argv)
    specs, root, check, diff, verbose = simple
    if specs:
        from regc.layout import checked_specs
        from regc.world import DiskFiles

        checked_specs(root, specs, DiskFiles())
    if not diff:
        try:
            status = noop_answer(specs, root, check, verbose)
        except (OSError, ValueError):
            status = None  # anything odd: the full build decides, and reports it properly
        if status is not None:
            return status
    from regc.commands import build
    from regc.compiler import disk_world

    return build.run(disk_world(root), specs or None, check=check, diff=diff, verbose=verbose)


def noop_answer(specs: list[Path], root: Path, check: bool, verbose: bool = False) -> int | None:
    """Answer a no-op `regc build [--check]` from the manifests (regc.cache); None when anything changed."""
    from regc import report
    from regc.cache import all_fresh
    from regc.world import utc_now

    units = all_fresh(root, specs or None, utc_now(), exact=check)  # the clock a build reads (regc.world)
    if units is None:
        return None
    report.up_to_date(units, check, verbose=verbose)
    return 0


def parse_simple(argv: list[str]) -> tuple[list[Path], Path, bool, bool, bool] | None:
    """`build [--check] [--diff] [-v] [-C ROOT] [SPEC ...]` as (specs, root, check, diff, verbose); None for
    anything else (--help, --regenerate-secrets, an unknown option), which the full command line handles."""
    if not argv or argv[0] != "build":
        return None
    specs: list[Path] = []
    root, check, diff, verbose = Path("."), False, False, False
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--check":
            check = True
        elif arg == "--diff":
            diff = True
        elif arg in ("-v", "--verbose"):
            verbose = True
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
    return specs, root, check, diff, verbose
