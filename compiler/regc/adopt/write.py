"""An import written: the spec checked by the same loader and rules as a build, the secrets sealed by
sops before anything touches the disk, both files written together under the build lock, and the
report (what was not mapped, what will differ, what the rules refuse) that decides the exit code."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from regc import layout, yamltext
from regc.adopt.helm import Imported
from regc.errors import Problem, RegcError, SpecError


@dataclass
class Outcome:
    """The files written (none when the import is incomplete) and whether anything needs a person."""

    written: list[Path]
    clean: bool


def spec_text(imported: Imported, name: str, source: str) -> str:
    header = (
        f"# yaml-language-server: $schema=./{layout.SCHEMA_FILE}\n"
        f"# The {name} environment, imported by `regc import` from {source}.\n"
        f"# Review it (and the report the import printed), then `regc build {layout.ENVIRONMENTS}/{name}.yaml`.\n"
    )
    return header + yamltext.dump(imported.spec)


def problems_of(text: str, name: str) -> list[Problem]:
    """What the loader and the rules of a build would say of the spec."""
    from regc.plan.rules import check_rules
    from regc.spec.parse import read_environment
    from regc.world import MemoryFiles

    files = MemoryFiles()
    path = Path("/import") / layout.ENVIRONMENTS / f"{name}{layout.SPEC_SUFFIX}"
    files.write(path, text.encode())
    display = f"{layout.ENVIRONMENTS}/{name}{layout.SPEC_SUFFIX}"
    try:
        env = read_environment(path, display, files)
    except SpecError as exc:
        return list(exc.problems)
    return check_rules(env)


def write_import(root: Path, name: str, imported: Imported, source: str) -> Outcome:
    """Write environments/NAME.yaml and its encrypted secrets file; print the report to stderr."""
    from regc.files import write_atomic
    from regc.secrets.sealer import SopsSealer
    from regc.secrets.sopsconfig import no_recipients
    from regc.write.lock import build_lock

    sealer = SopsSealer(root)
    if not sealer.recipients():
        raise no_recipients(root)  # before the report: nothing can be sealed, so nothing is written
    spec_path, secrets_path = layout.spec_path(root, name), layout.secrets_path(root, name)
    for path in (spec_path, secrets_path):
        if path.exists():
            raise RegcError(f"{path} already exists", "import under another --name, or move the file away")
    for item in imported.unmapped:
        print(item.line(source), file=sys.stderr)
    for note in imported.notes:
        print(f"{source}: note: {note}", file=sys.stderr)
    if not imported.complete:
        print(f"nothing written: the import does not say where the registry stores images ({source})", file=sys.stderr)
        return Outcome([], False)
    text = spec_text(imported, name, source)
    problems = problems_of(text, name)
    for problem in problems:
        print(f"{problem}", file=sys.stderr)
    sealed = sealer.encrypt(yamltext.dump(imported.secrets).encode(), layout.secrets_display(name))
    with build_lock(root):
        (root / layout.ENVIRONMENTS).mkdir(parents=True, exist_ok=True)
        write_atomic(secrets_path, sealed)
        write_atomic(spec_path, text.encode())
        schema = root / layout.ENVIRONMENTS / layout.SCHEMA_FILE
        if not schema.exists():
            from regc.spec.schema import schema_text

            write_atomic(schema, schema_text().encode())
    shown = spec_path.relative_to(root) if not spec_path.is_absolute() else spec_path
    print(f"wrote {shown} and {layout.secrets_display(name)} (encrypted)")
    if problems:
        print(f"then: fix what the rules say above, and `regc build {shown}`")
    else:
        print(f"then: `regc build {shown}`")
    return Outcome([spec_path, secrets_path], not imported.unmapped and not problems)
