"""An import written: the spec checked by the same loader and rules as a build, the secrets sealed
before anything is written, both files written together under the build lock, and the
report (what was not mapped, what will differ, what the rules refuse) that decides the exit code."""

from __future__ import annotations

import base64
import sys
from dataclasses import dataclass
from pathlib import Path

from regc import layout, yamltext
from regc.adopt.imported import Imported
from regc.adopt.values import dotted, leaves
from regc.adopt.verify import Verdict, spec_text, verify
from regc.envspec.parse import read_environment
from regc.envspec.schema import schema_text
from regc.errors import Problem, RegcError, SpecError
from regc.plan.rules import check_rules
from regc.secrets.sopsconfig import no_recipients
from regc.world import MemoryFiles, World


@dataclass
class Outcome:
    """The files written (none when the import is incomplete or would lose what regc cannot express)
    and whether anything needs a person."""

    written: list[Path]
    clean: bool


def problems_of(text: str, name: str) -> list[Problem]:
    """What the loader and the rules of a build would say of the spec."""

    files = MemoryFiles()
    path = Path("/import") / layout.ENVIRONMENTS / f"{name}{layout.SPEC_SUFFIX}"
    files.write(path, text.encode())
    display = f"{layout.ENVIRONMENTS}/{name}{layout.SPEC_SUFFIX}"
    try:
        env = read_environment(path, display, files)
    except SpecError as exc:
        return list(exc.problems)
    return check_rules(env)


def write_import(
    world: World, name: str, imported: Imported, source: str, accepted: frozenset[str] = frozenset()
) -> Outcome:
    """Write environments/NAME.yaml and its encrypted secrets file (none in the store form: the values
    stay in the store); print the report to stderr."""
    root, files = world.root, world.files
    store = "secretStore" in imported.spec
    if not store and not world.sealer.recipients():
        raise no_recipients(root)  # before the report: nothing can be sealed, so nothing is written
    spec_path, secrets_path = layout.spec_path(root, name), layout.secrets_path(root, name)
    for path in (spec_path, secrets_path):
        if files.is_file(path) or files.is_dir(path):
            raise RegcError(f"{path} already exists", "import under another --name, or move the file away")
    say = _Reporter(imported)
    for item in imported.unmapped:
        say(item.line(source))
    for note in imported.notes:
        say(f"{source}: note: {note}")
    if not imported.complete:
        say(f"nothing written: the import does not say how the registry runs or where it stores images ({source})")
        return Outcome([], False)
    verdict = verify(imported, name, source, set(accepted))
    _report(say, verdict, accepted)
    if verdict.blocked:
        return Outcome([], False)
    text = spec_text(imported, name, source)
    problems = problems_of(text, name)
    for problem in problems:
        say(f"{problem}")
    if store and imported.secrets:  # values read from the objects: the store keeps them
        for found, _ in leaves(imported.secrets):
            say(f"{source}: note: {dotted(found)}: put this value in the store too (the store form keeps no secrets)")
    new: dict[Path, bytes] = {}  # the secrets file first: a spec never stands without its secrets
    if not store:
        new[secrets_path] = world.sealer.encrypt(yamltext.dump(imported.secrets).encode(), layout.secrets_display(name))
    new[spec_path] = text.encode()
    schema = root / layout.ENVIRONMENTS / layout.SCHEMA_FILE
    if not files.is_file(schema):
        new[schema] = schema_text().encode()
    with files.lock(root):
        files.commit(root, [], new)
    shown = spec_path.relative_to(root) if not spec_path.is_absolute() else spec_path
    print(f"wrote {shown}" + ("" if store else f" and {layout.secrets_display(name)} (encrypted)"))
    if problems:
        print(f"then: fix what the rules say above, and `regc build {shown}`")
    else:
        print(f"then: `regc build {shown}`")
    written = [spec_path] if store else [spec_path, secrets_path]
    return Outcome(written, not imported.unmapped and not problems and verdict.clean)


def _report(say: _Reporter, verdict: Verdict, accepted: frozenset[str]) -> None:
    if verdict.not_compared:
        say(f"not compared with what runs: {verdict.not_compared}")
    for difference in verdict.differences:
        label = "changes" if difference.kind == "change" else "differs"
        say(f"{label}: {difference.line()}")
    if verdict.blocked:
        say("nothing written: regc cannot express what the registry does today:")
        for loss in verdict.losses:
            say(f"  {loss.kind}: {loss.what}")
        kinds = sorted({loss.kind for loss in verdict.losses})
        say(f"  to import without it, accept the loss: {' '.join(f'--accept-loss {k}' for k in kinds)}")
    for kind in sorted(accepted):
        say(f"accepted loss: {kind} (--accept-loss {kind})")


class _Reporter:
    """Prints report lines to stderr with every credential the import read replaced, in any of the
    encodings it could appear in (as it is, base64, as a user:password pair)."""

    def __init__(self, imported: Imported) -> None:
        values: set[str] = set()
        if imported.before is not None:
            values |= imported.before.secret_values
        values |= set(_strings(imported.secrets))
        self.hidden = sorted(_encodings(v for v in values if len(v) >= 4), key=len, reverse=True)

    def __call__(self, line: str) -> None:
        for value in self.hidden:
            if value in line:
                line = line.replace(value, "(secret)")
        print(line, file=sys.stderr)


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    return [str(node)] if node is not None else []


def _encodings(values: object) -> set[str]:
    found: set[str] = set()
    for value in values:  # type: ignore[attr-defined]
        found.add(value)
        found.add(base64.b64encode(value.encode()).decode().rstrip("="))
        for line in value.splitlines():
            if len(line.strip()) >= 8:
                found.add(line.strip())
    return found
