"""Feature tests in memory: the example repository held in memory, a spec of the test's written
beside the examples, compiled and committed by the `Compiler` with the fake sealer (tests/fakes.py),
and each overlay's objects as kustomize builds them (tests/kustomize_model.py, held to the real
kustomize by tests/test_kustomize.py). No process, no disk: the real sops, the console script, the
journaled commit and kustomize are the contract tests' business."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import functools
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from regc import console, layout, yamlread, yamltext
from regc.compiler import Compiler, discover_specs
from regc.errors import RegcError
from regc.secrets.sealer import SopsSealer
from regc.world import DiskFiles, World
from tests.conftest import EXAMPLE_SPECS, REPO, TEST_KEY, Result
from tests.fakes import ROOT, FakeSealer, memory_world, tree_of
from tests.kustomize_model import overlay_objects

HEADER = "apiVersion: regc/v1\nkind: Environment\n"


@functools.cache
def example_inputs() -> dict[str, bytes]:
    """The example specs, and their secrets files re-sealed by the fake (decrypted once by the real
    sops with the test-only key), as a repository in memory holds them."""
    sops, fake = SopsSealer(REPO), FakeSealer(["age1fake"])
    files = {f"{layout.ENVIRONMENTS}/{spec.name}": spec.read_bytes() for spec in EXAMPLE_SPECS}
    for shared in layout.shared_files(REPO / layout.ENVIRONMENTS, DiskFiles()):
        files[shared.relative_to(REPO).as_posix()] = shared.read_bytes()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
        for spec in EXAMPLE_SPECS:
            name = layout.secrets_display(spec.stem)
            files[name] = fake.encrypt(sops.decrypt((REPO / name).read_bytes(), name), name)
    files[layout.SOPS_CONFIG] = (REPO / layout.SOPS_CONFIG).read_bytes()
    return files


@dataclass
class Build:
    """A build's outcome as the console script would give it: its exit status, what it would print
    on standard error, and each environment's objects as kustomize builds its overlay."""

    code: int
    stderr: str = ""
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class MemoryRepo:
    """The example repository in memory (nothing compiled), for specs of the test's."""

    def __init__(self, examples: bool = True) -> None:
        self.world, self.memory, self.sealer = memory_world(dict(example_inputs()) if examples else {})

    @property
    def root(self) -> Path:
        return ROOT

    def write_spec(self, name: str, body: str) -> None:
        """environments/NAME.yaml with the required header and `body` after it."""
        self.memory.write(layout.spec_path(ROOT, name), (HEADER + body).encode())

    def build(self, *names: str, regenerate: bool = False, now: datetime.datetime | None = None) -> Build:
        """`regc build environments/NAME.yaml ...` (every environment when none is named), at `now`."""
        paths = [layout.spec_path(ROOT, name) for name in names] or discover_specs(ROOT, self.memory)
        world = self.at(now) if now else self.world
        compiler = Compiler(world, may_decrypt=True, regenerate=regenerate)
        try:
            compiled = compiler.compile(paths)
            compiler.write(compiled, compiler.changes(compiled, prune=not names))
        except RegcError as exc:
            shown = io.StringIO()
            with contextlib.redirect_stderr(shown):
                code = exc.report()  # printed as the console script prints it
            return Build(code, shown.getvalue())
        return Build(0, "", {n: overlay_objects(r, compiled.secrets[n]) for n, r in compiled.rendered.items()})

    def run(self, *args: str, stdin: str | None = None, now: datetime.datetime | None = None) -> Result:
        """The command line `regc ARGS` in this repository (the working folder its root), as the console
        script runs it, with the in-memory world: its exit status and what it prints."""
        world = self.at(now) if now else self.world
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = console.exit_status(list(args), lambda root: dataclasses.replace(world, root=root))
        finally:
            sys.stdin = saved
        return Result(code, out.getvalue(), err.getvalue())

    def check(self, *names: str) -> int:
        """`regc build --check`'s exit status: 0 when the tree is what the specs compile to (judged
        without the key), 1 when a folder is not."""
        paths = [layout.spec_path(ROOT, name) for name in names] or discover_specs(ROOT, self.memory)
        compiler = Compiler(self.world)
        changes = compiler.changes(compiler.compile(paths), prune=not names)
        return 1 if any(change.changed for change in changes) else 0

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace `old` (which must be there) with `new` in a file of the repository."""
        text = self.read(relative).decode()
        assert old in text, f"{relative} has no {old!r}"
        self.write(relative, text.replace(old, new))

    def objects(self, name: str, body: str) -> list[dict[str, Any]]:
        """The objects of a new environment NAME (spec `body`), which must build."""
        self.write_spec(name, body)
        built = self.build(name)
        assert built.code == 0, built.stderr
        return built.objects[name]

    def refused(self, name: str, body: str) -> str:
        """What a build of the environment NAME (spec `body`), which must be refused (exit 2), prints."""
        self.write_spec(name, body)
        built = self.build(name)
        assert built.code == 2, built.stderr
        return built.stderr

    def write(self, relative: str, text: str) -> None:
        """A file of the repository, by its path relative to the root."""
        self.memory.write(ROOT / relative, text.encode())

    def remove_spec(self, name: str) -> None:
        self.memory.remove(layout.spec_path(ROOT, name))

    def remove(self, relative: str) -> None:
        """A file of the repository, by its path relative to the root."""
        self.memory.remove(ROOT / relative)

    def text(self, relative: str) -> str:
        return self.read(relative).decode()

    def exists(self, relative: str) -> bool:
        return self.memory.is_file(ROOT / relative) or self.memory.is_dir(ROOT / relative)

    def tree(self) -> dict[str, bytes]:
        """Every file of the compiled tree, by path relative to the root."""
        return tree_of(self.memory)

    def read(self, relative: str) -> bytes:
        return self.memory.read_bytes(ROOT / relative)

    def yaml(self, relative: str) -> Any:
        """A YAML file of the repository, as data."""
        return yamlread.load(self.read(relative))

    def at(self, now: datetime.datetime) -> World:
        """The repository's world with its clock at `now`."""
        return dataclasses.replace(self.world, clock=lambda: now)

    def opened(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A sealed object with its values in clear (the fake sealer's, in memory only)."""
        return yamlread.load(self.sealer.decrypt(yamltext.dump(obj).encode(), "(test)"))

    def secret_data(self, relative: str) -> dict[str, bytes]:
        """The decoded data of a compiled, sealed Secret of the tree (opened in memory)."""
        opened = self.opened(yamlread.load(self.read(relative)))
        return {key: base64.b64decode(value) for key, value in opened["data"].items()}

    def secrets_file(self, env: str) -> dict[str, Any]:
        """environments/ENV.secrets.yaml opened (in memory)."""
        return yamlread.load(self.sealer.decrypt(self.memory.read_bytes(layout.secrets_path(ROOT, env)), "(test)"))

    def set_secret(self, env: str, key: tuple[str, ...], value: object) -> None:
        """Set one value of environments/ENV.secrets.yaml, the other values kept (as `sops set` does)."""
        path, target = layout.secrets_path(ROOT, env), layout.secrets_display(env)
        if self.memory.is_file(path):
            sealed = self.sealer.set_values(self.memory.read_bytes(path), target, {key: value})
        else:
            document: dict[str, Any] = {}
            node = document
            for part in key[:-1]:
                node = node.setdefault(part, {})
            node[key[-1]] = value
            sealed = self.sealer.encrypt(yamltext.dump(document).encode(), target)
        self.memory.write(path, sealed)


@functools.cache
def _built_files() -> tuple[tuple[PurePosixPath, bytes], ...]:
    repo = MemoryRepo()
    built = repo.build()
    assert built.code == 0, built.stderr
    return tuple(repo.memory.files.items())


def built_repo() -> MemoryRepo:
    """The example repository in memory, compiled (once per session, copied for each test)."""
    repo = MemoryRepo()
    repo.memory.files = dict(_built_files())
    return repo
