"""The compiler: one run from specs to the tree on disk, in the pipeline's order.

    load -> validate -> rules -> plan -> secrets -> render -> emit -> compare -> commit

`Compiler.compile` produces the units; `changes` compares them with the tree; `write` commits them
all or nothing. The world (regc.world) is injected: the files (disk or memory), the sealer (sops or a
fake), the clock and the random source, so the whole pipeline runs in one process in tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regc import cache, layout
from regc.emit.tree import Unit, application_set_unit, base_unit, overlay_unit
from regc.envspec.model import API_VERSION, Environment
from regc.envspec.parse import LoadedEnvironment, read_environment
from regc.errors import Location, Problem, RegcError, SpecError
from regc.footprint import footprint
from regc.plan.gitops_rules import check_application_set
from regc.plan.inventory import collisions
from regc.plan.plan import Plan, plan_for
from regc.plan.rules import check_rules, check_shared_storage
from regc.render.environment import RenderedEnvironment, render_environment, workload_objects
from regc.render.gitops import application_set
from regc.secrets.sealer import SopsSealer
from regc.secrets.stage import SecretFiles, SecretStage
from regc.world import Files, World, utc_now
from regc.write.commit import DiskRepository
from regc.write.compare import UnitChanges, compare_unit, orphan_units


@dataclass
class Compiled:
    """The units a build produces, and the environments they came from."""

    units: list[Unit]
    environments: list[LoadedEnvironment]
    secrets_files: dict[Path, bytes] = field(default_factory=dict)  # secrets files with generated values
    generated: dict[str, list[str]] = field(default_factory=dict)  # environment -> what was generated
    # Of each environment rendered by this build (not those taken as they stood on disk): its objects,
    # and what the secrets stage handed them.
    rendered: dict[str, RenderedEnvironment] = field(default_factory=dict)
    secrets: dict[str, SecretFiles] = field(default_factory=dict)


def disk_world(root: Path, *, clock: Callable[[], datetime.datetime] = utc_now) -> World:
    """The repository at `root` on disk, encrypted with the real sops."""
    return World(root, DiskRepository(), SopsSealer(root), clock)


def discover_specs(root: Path, files: Files = cache.DISK) -> list[Path]:
    """Every environment spec: `environments/*.yaml` except the `*.secrets.yaml` files."""
    folder = root / layout.ENVIRONMENTS
    if not files.is_dir(folder):
        raise RegcError(
            f"no {layout.ENVIRONMENTS}/ folder in {root}",
            "run regc from the repository root (or pass --root), or create an environment with `regc init NAME`",
        )
    specs = [p for p in files.children(folder) if layout.is_spec_file(p.name)]
    folders = [p for p in specs if not files.is_file(p)]
    if folders:
        raise SpecError(
            [
                Problem(
                    Location(display_path(p, root, files)),
                    f"not a file: every {layout.ENVIRONMENTS}/*.yaml is read as a spec",
                    "rename or move it",
                )
                for p in folders
            ]
        )
    if not specs:
        raise RegcError(f"no environment specs in {folder}", "create one with `regc init NAME`")
    return specs


def display_path(path: Path, root: Path, files: Files = cache.DISK) -> str:
    try:
        return files.resolve(path).relative_to(files.resolve(root)).as_posix()
    except ValueError:
        return str(path)


class Compiler:
    """One repository's compiler. `may_decrypt` lets the secrets stage decrypt and encrypt (a build);
    without it (--check, --diff, `regc check`) Secrets whose inputs changed are reported as
    unresolved instead. `regenerate` lets it generate every value of a secrets file that is missing
    beside compiled Secrets. `reuse_fresh` takes a unit whose manifest digests hold as it stands on
    disk (golden tests turn it off to render everything)."""

    def __init__(
        self, world: World, *, may_decrypt: bool = False, regenerate: bool = False, reuse_fresh: bool = True
    ) -> None:
        """`world`: the repository and what a run draws on; `disk_world(root)` for one on disk."""
        self.world = world
        self.root, self.files = world.root, world.files
        self.now = world.clock()
        self.may_decrypt = may_decrypt
        self.regenerate = regenerate
        self.reuse_fresh = reuse_fresh
        # The environments not being built, read once a run for every rule across environments.
        self._others: dict[tuple[frozenset[Path], bool], list[LoadedEnvironment]] = {}

    # -- load, validate, rules --------------------------------------------------------------------

    def load(self, paths: list[Path]) -> list[LoadedEnvironment]:
        """Load and validate every spec; report the problems of all of them together. The specs are
        read fast first (most builds find no problem); a problem is reported from a second reading
        that keeps every key's position."""
        try:
            return self._load(paths, positions=False)
        except SpecError:
            return self._load(paths, positions=True)

    def _load(self, paths: list[Path], *, positions: bool) -> list[LoadedEnvironment]:
        problems: list[Problem] = []
        loaded: list[LoadedEnvironment] = []
        seen: dict[str, str] = {}
        for path in paths:
            display = self._display(path)
            try:
                env = read_environment(path, display, self.files, positions=positions)
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
            everyone = self._other_environments(paths, positions) + loaded
            problems.extend(check_shared_storage(everyone))
            problems.extend(check_application_set(everyone))
        if problems:
            raise SpecError(problems)
        return loaded

    def _other_environments(self, paths: list[Path], positions: bool) -> list[LoadedEnvironment]:
        """The environments not being built, for rules across environments; broken ones are skipped
        (their own build reports them)."""
        chosen = frozenset(self.files.resolve(p) for p in paths)
        if (chosen, positions) in self._others:
            return self._others[(chosen, positions)]
        others: list[LoadedEnvironment] = []
        folder = self.root / layout.ENVIRONMENTS
        for path in self.files.children(folder):
            if not layout.is_spec_file(path.name) or self.files.resolve(path) in chosen:
                continue
            try:
                others.append(read_environment(path, self._display(path), self.files, positions=positions))
            except SpecError:
                continue
        self._others[(chosen, positions)] = others
        return others

    # -- plan, secrets, render, emit --------------------------------------------------------------

    def compile(self, paths: list[Path]) -> Compiled:
        """Every unit of the tree for these specs: base/ and one overlay each (and argocd/ when
        every environment is built)."""

        root, now, files = self.root, self.now, self.files
        # A unit whose inputs and outputs are as its manifest records is taken as it stands on disk.
        fresh = {path: cache.fresh_overlay(root, path, now, files) if self.reuse_fresh else None for path in paths}
        environments = self.load([p for p in paths if fresh[p] is None])
        base_plan = plan_for("base", Environment.model_validate({"apiVersion": API_VERSION, "kind": "Environment"}))
        base_objects = workload_objects(base_plan)
        units = [base_unit(base_objects)]
        secrets_files: dict[Path, bytes] = {}
        generated: dict[str, list[str]] = {}
        compiled = iter(environments)
        workloads: dict[str, tuple[Plan, list[dict[str, Any]]]] = {}
        rendered_by_name: dict[str, RenderedEnvironment] = {}
        secrets_by_name: dict[str, SecretFiles] = {}
        for path in paths:
            reused = fresh[path]
            if reused is not None:
                units.append(Unit(reused.directory, self._display(path), dict(reused.files)))
                continue
            env = next(compiled)
            plan = plan_for(env.name, env.spec)
            stage = SecretStage(self.world, plan, now, may_decrypt=self.may_decrypt, regenerate=self.regenerate)
            secrets = stage.run()
            # Digest the inputs as they will be: the secrets stage may have generated values to store.
            extends = self._display(env.shared) if env.shared is not None else None
            settled = cache.overlay_inputs(root, path, env.name, secrets.source_update, files, extends)
            rendered = render_environment(plan, secrets.checksum, secrets.resources)
            workloads[env.name] = (plan, rendered.workload)
            rendered_by_name[env.name], secrets_by_name[env.name] = rendered, secrets
            units.append(
                overlay_unit(
                    rendered, (base_plan.names, base_objects), self._display(env.path), secrets, settled, extends
                )
            )
            if secrets.source_update is not None:
                secrets_files[layout.secrets_path(root, env.name)] = secrets.source_update
            if secrets.generated:
                generated[env.name] = secrets.generated
        self._check_collisions([p for p in paths if fresh[p] is None], environments, workloads)
        if self._every_environment(paths):
            units.extend(self._application_set_units(paths, environments))
        return Compiled(units, environments, secrets_files, generated, rendered_by_name, secrets_by_name)

    def _check_collisions(
        self, paths: list[Path], built: list[LoadedEnvironment], workloads: dict[str, tuple[Plan, list[dict[str, Any]]]]
    ) -> None:
        """Objects that two environments of one cluster would both emit: a problem at the spec being
        built. The environments built now bring what they were rendered to; the others are rendered
        for it (their own build reports their other problems)."""
        if not built:
            return
        everyone = self._other_environments(paths, positions=False) + built
        emitted = {}
        for env in everyone:
            plan, workload = workloads.get(env.name) or (plan_for(env.name, env.spec), [])
            emitted[env.name] = footprint(plan, workload or workload_objects(plan))
        building = {env.name for env in built}
        if len(everyone) < 2 or not collisions(everyone, building, emitted):
            return
        located = self._other_environments(paths, positions=True) + [
            read_environment(env.path, self._display(env.path), self.files, positions=True) for env in built
        ]  # read again, keeping every key's position, to say where
        raise SpecError(collisions(located, building, emitted))

    def _display(self, path: Path) -> str:
        return display_path(path, self.root, self.files)

    def _every_environment(self, paths: list[Path]) -> bool:
        resolve = self.files.resolve
        try:
            return {resolve(p) for p in paths} == {resolve(p) for p in discover_specs(self.root, self.files)}
        except RegcError:
            return False

    def _application_set_units(self, paths: list[Path], loaded: list[LoadedEnvironment]) -> list[Unit]:
        """argocd/ when an environment sets gitops.applicationSet (it depends on every spec, so only a
        build of every environment writes it); an empty unit removes it when none does any more."""

        root, files = self.root, self.files
        inputs = cache.every_spec_inputs(root, paths, files)
        directory = layout.APPLICATION_SET_DIRECTORY
        fresh = cache.fresh_unit(root, directory, inputs, self.now, files) if self.reuse_fresh else None
        if fresh is not None:
            return [Unit(fresh.directory, f"{layout.ENVIRONMENTS}/*.yaml", dict(fresh.files))]
        by_path = {files.resolve(env.path): env for env in loaded}
        everyone = [
            by_path.get(files.resolve(p)) or read_environment(p, self._display(p), files, positions=False)
            for p in paths
        ]
        members = [plan_for(env.name, env.spec) for env in everyone if env.spec.gitops.application_set]
        if members:
            return [application_set_unit(application_set(members), inputs)]
        if files.is_file(root / directory / layout.MANIFEST):
            return [Unit(directory, "no environment sets gitops.applicationSet")]
        return []

    # -- compare, commit ----------------------------------------------------------------------------

    def changes(self, compiled: Compiled, *, prune: bool) -> list[UnitChanges]:
        """How the disk differs from the compiled units (and, when pruning, from removed environments)."""

        units = list(compiled.units)
        if prune:
            units += orphan_units(self.root, {unit.directory for unit in units}, self.files)
        return [compare_unit(self.root, unit, self.files) for unit in units]

    def write(self, compiled: Compiled, changes: list[UnitChanges]) -> None:
        """Make the tree what `changes` say, all or nothing, with the secrets files that gained
        generated values (the journaled commit on disk, at once in memory)."""
        self.files.commit(self.root, changes, compiled.secrets_files)
