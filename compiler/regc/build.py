"""The pipeline end to end: find specs, load, plan, render, emit, then compare or write."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from regc.errors import Problem, RegcError, SpecError
from regc.layout import ENVIRONMENTS, SECRETS_SUFFIX, secrets_path
from regc.spec.parse import LoadedEnvironment, read_environment


@dataclass
class Compiled:
    """The units a build produces, and the environments they came from."""

    units: list  # list[regc.emit.tree.Unit]
    environments: list[LoadedEnvironment]
    secrets_files: dict[Path, bytes] = field(default_factory=dict)  # secrets files with generated values
    generated: dict[str, list[str]] = field(default_factory=dict)  # environment -> what was generated


def discover_specs(root: Path) -> list[Path]:
    """Every environment spec: `environments/*.yaml` except the `*.secrets.yaml` files."""
    folder = root / ENVIRONMENTS
    if not folder.is_dir():
        raise RegcError(
            f"no {ENVIRONMENTS}/ folder in {root}",
            "run regc from the repository root (or pass --root), or create an environment with `regc init NAME`",
        )
    specs = sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(SECRETS_SUFFIX))
    folders = [p for p in specs if not p.is_file()]
    if folders:
        from regc.errors import Location, Problem, SpecError

        raise SpecError(
            [
                Problem(
                    Location(display_path(p, root)),
                    "not a file: every environments/*.yaml is read as a spec",
                    "rename or move it",
                )
                for p in folders
            ]
        )
    if not specs:
        raise RegcError(f"no environment specs in {folder}", "create one with `regc init NAME`")
    return specs


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_environments(paths: list[Path], root: Path) -> list[LoadedEnvironment]:
    """Load and validate every spec; report the problems of all of them together."""
    from regc.plan.gitops_rules import check_application_set
    from regc.plan.rules import check_rules, check_shared_storage

    problems: list[Problem] = []
    loaded: list[LoadedEnvironment] = []
    seen: dict[str, str] = {}
    for path in paths:
        display = display_path(path, root)
        try:
            env = read_environment(path, display)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        rule_problems = check_rules(env)
        if rule_problems:
            problems.extend(sorted(rule_problems, key=lambda p: (p.location.line, p.location.column)))
            continue
        if env.name in seen:
            problems.append(
                Problem(
                    env.locate(),
                    f"environment {env.name!r} is also defined by {seen[env.name]}",
                    "give each environment its own name",
                )
            )
            continue
        seen[env.name] = display
        loaded.append(env)
    if not problems and loaded:
        everyone = _other_environments(paths, root) + loaded
        problems.extend(check_shared_storage(everyone))
        problems.extend(check_application_set(everyone))
        if not problems and len(everyone) > 1:
            from regc.inventory import collisions

            problems.extend(collisions(everyone, {env.name for env in loaded}))
    if problems:
        raise SpecError(problems)
    return loaded


def _other_environments(paths: list[Path], root: Path) -> list[LoadedEnvironment]:
    """The environments not being built, for rules across environments; broken ones are skipped
    (their own build reports them)."""
    folder = root / ENVIRONMENTS
    if not folder.is_dir():
        return []
    chosen = {p.resolve() for p in paths}
    others = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name.endswith(SECRETS_SUFFIX) or path.resolve() in chosen:
            continue
        try:
            others.append(read_environment(path, display_path(path, root)))
        except SpecError:
            continue
    return others


def compile_tree(
    paths: list[Path],
    root: Path,
    *,
    now: datetime.datetime | None = None,
    may_decrypt: bool = False,
    reuse_fresh: bool = True,
    regenerate: bool = False,
) -> Compiled:
    """Every unit of the tree for these specs: base/ and one overlay each.

    `may_decrypt` lets the secrets stage decrypt and encrypt (a build); without it (--check, --diff)
    Secrets whose inputs changed are reported as unresolved instead. `regenerate` lets it generate
    every value of a secrets file that is missing beside compiled Secrets. `reuse_fresh` takes a unit whose
    manifest digests hold as it stands on disk (golden tests turn it off to render everything).
    """
    from regc.emit.tree import Unit, base_unit, overlay_directory, overlay_unit
    from regc.fast import fresh_unit, spec_name
    from regc.fingerprint import overlay_inputs
    from regc.plan.plan import plan_for
    from regc.secrets.stage import SecretStage
    from regc.spec.model import API_VERSION, Environment

    now = now or datetime.datetime.now(datetime.UTC)
    inputs = {path: overlay_inputs(root, path, spec_name(path)) for path in paths}
    # A unit whose inputs and outputs are as its manifest records is taken as it stands on disk.
    fresh = {
        path: fresh_unit(root, overlay_directory(spec_name(path)), inputs[path], now) if reuse_fresh else None
        for path in paths
    }
    environments = load_environments([p for p in paths if fresh[p] is None], root)
    base_plan = plan_for("base", Environment(apiVersion=API_VERSION, kind="Environment"))
    units = [base_unit(base_plan)]
    secrets_files: dict[Path, bytes] = {}
    generated: dict[str, list[str]] = {}
    compiled = iter(environments)
    for path in paths:
        if fresh[path] is not None:
            units.append(Unit(fresh[path].directory, display_path(path, root), dict(fresh[path].files)))
            continue
        env = next(compiled)
        plan = plan_for(env.name, env.spec)
        secrets = SecretStage(root, plan, overlay_directory(env.name), now, may_decrypt, regenerate).run()
        # Digest the inputs as they will be: the secrets stage may have generated values to store.
        settled = overlay_inputs(root, path, spec_name(path), secrets.source_update)
        units.append(overlay_unit(plan, base_plan, display_path(env.path, root), secrets, settled))
        if secrets.source_update is not None:
            secrets_files[secrets_path(root, env.name)] = secrets.source_update
        if secrets.generated:
            generated[env.name] = secrets.generated
    if _every_environment(paths, root):
        units.extend(_application_set_units(root, paths, environments, now, reuse_fresh))
    return Compiled(units, environments, secrets_files, generated)


def _every_environment(paths: list[Path], root: Path) -> bool:
    try:
        return {p.resolve() for p in paths} == {p.resolve() for p in discover_specs(root)}
    except RegcError:
        return False


def _application_set_units(
    root: Path, paths: list[Path], loaded: list[LoadedEnvironment], now: datetime.datetime, reuse_fresh: bool
) -> list:
    """argocd/ when an environment sets gitops.applicationSet (it depends on every spec, so only a
    build of every environment writes it); an empty unit removes it when none does any more."""
    from regc.emit.tree import MANIFEST, Unit, application_set_unit
    from regc.fast import fresh_unit
    from regc.fingerprint import every_spec_inputs
    from regc.plan.names import APPLICATION_SET_DIRECTORY
    from regc.plan.plan import plan_for

    inputs = every_spec_inputs(root, paths)
    fresh = fresh_unit(root, APPLICATION_SET_DIRECTORY, inputs, now) if reuse_fresh else None
    if fresh is not None:
        return [Unit(fresh.directory, "environments/*.yaml", dict(fresh.files))]
    by_path = {env.path.resolve(): env for env in loaded}
    everyone = [by_path.get(p.resolve()) or read_environment(p, display_path(p, root)) for p in paths]
    members = [plan_for(env.name, env.spec) for env in everyone if env.spec.gitops.application_set]
    if members:
        return [application_set_unit(members, inputs)]
    if (root / APPLICATION_SET_DIRECTORY / MANIFEST).is_file():
        return [Unit(APPLICATION_SET_DIRECTORY, "no environment sets gitops.applicationSet")]
    return []


def plan_changes(root: Path, compiled: Compiled, *, prune: bool) -> list:
    """How the disk differs from the compiled units (and, when pruning, from removed environments)."""
    from regc.write.compare import compare_unit, orphan_units

    units = list(compiled.units)
    if prune:
        units += orphan_units(root, {unit.directory for unit in units})
    return [compare_unit(root, unit) for unit in units]


def unified_diff(changes: list) -> str:
    """A unified diff from the tree on disk to the compiled tree."""
    chunks = []
    for change in changes:
        directory = change.unit.directory
        for name in sorted({*change.stale, *change.missing, *change.extra}):
            if name in change.unit.unresolved:
                chunks.append(
                    f"# {directory}/{name}: would change ({change.unit.unresolved[name]}); "
                    "its new ciphertext needs a build with the key\n"
                )
                continue
            old = change.old.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            new = change.unit.files.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
            before = f"a/{directory}/{name}" if name not in change.missing else "/dev/null"
            after = f"b/{directory}/{name}" if name not in change.extra else "/dev/null"
            chunks.extend(difflib.unified_diff(old, new, before, after))
    return "".join(chunks)
