"""The `regc` console script. `regc build` in its plain forms runs without the full command line
(typer costs about 70 ms to start), and a no-op answers from the manifests alone."""

from __future__ import annotations

import sys


def main() -> None:
    from regc.buildcmd import parse_simple

    simple = parse_simple(sys.argv[1:])
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
            from regc.fast import try_fast_build

            try:
                status = try_fast_build(specs, root, check)
            except (OSError, ValueError):
                status = None  # anything odd: the full build decides, and reports it properly
            if status is not None:
                sys.exit(status)
        from regc.buildcmd import run_build

        sys.exit(run_build(specs or None, root, check=check, diff=diff))
    except RegcError as exc:
        sys.exit(exc.report())
    except KeyboardInterrupt:
        print("interrupted; the tree is as it was", file=sys.stderr)
        sys.exit(130)
