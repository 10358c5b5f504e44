"""The whole pipeline in one process: the examples compiled from a repository in memory, with the
fake sealer, a seeded random source and a fixed clock. Nothing here starts a process or touches
the disk; the real sops, age and disk are the other tests' business."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from regc import layout, yamlread
from regc.compiler import Compiler, discover_specs
from regc.errors import SpecError
from regc.secrets.document import SecretsFile, parse_secrets
from regc.world import World
from tests import memory
from tests.conftest import EXAMPLE_SPECS, REPO, tree_bytes
from tests.fakes import NOW, ROOT, FakeSealer, memory_world, tree_of

# Files whose bytes depend on the sealer: Secrets, and the digests that cover them.
SEALED = ("secret-", layout.MANIFEST, layout.STATE_FILE)


@pytest.fixture(scope="session")
def example_inputs() -> dict[str, bytes]:
    return memory.example_inputs()


def _build(world: World, *, regenerate: bool = False) -> Compiler:
    compiler = Compiler(world, may_decrypt=True, regenerate=regenerate)
    compiled = compiler.compile(discover_specs(world.root, world.files))
    compiler.write(compiled, compiler.changes(compiled, prune=True))
    return compiler


def _changes(world: World) -> list[str]:
    compiler = Compiler(world)
    compiled = compiler.compile(discover_specs(world.root, world.files))
    return [f"{c.unit.directory}/{n}" for c in compiler.changes(compiled, prune=True) for n in (*c.stale, *c.missing)]


def _sealed(name: str) -> bool:
    return Path(name).name.startswith(SEALED)


@pytest.fixture
def no_processes(monkeypatch):
    """Any attempt to start a program (sops, age, kubectl) fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args[0] if args else kwargs}")

    for name in ("run", "Popen", "call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)


def test_the_examples_compile_in_memory_to_the_committed_tree(example_inputs, no_processes, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    world, memory, _ = memory_world(example_inputs)
    _build(world)
    built, committed = tree_of(memory), tree_bytes(REPO)
    assert sorted(built) == sorted(committed)
    differing = [name for name in committed if built[name] != committed[name] and not _sealed(name)]
    assert differing == []
    assert list(tmp_path.iterdir()) == []  # the disk is never touched


def test_a_rebuild_seals_nothing_and_changes_nothing(example_inputs, no_processes):
    world, memory, sealer = memory_world(example_inputs)
    _build(world)
    before, calls = tree_of(memory), dict(sealer.calls)
    assert _changes(world) == []
    _build(world)
    assert tree_of(memory) == before and dict(sealer.calls) == calls


def test_one_changed_spec_rebuilds_its_overlay_only_without_opening_a_secret(example_inputs, no_processes):
    world, memory, sealer = memory_world(example_inputs)
    _build(world)
    before, calls = tree_of(memory), dict(sealer.calls)
    spec = ROOT / layout.ENVIRONMENTS / "dev.yaml"
    memory.write(spec, memory.read_bytes(spec).replace(b"logLevel: ", b"logLevel: error #"))
    _build(world)
    after = tree_of(memory)
    changed = {name for name in after if after[name] != before.get(name)}
    # argocd/ depends on every spec: its manifest records the new inputs, its ApplicationSet stays.
    assert changed - {f"{layout.APPLICATION_SET_DIRECTORY}/{layout.MANIFEST}"}
    assert all(name.startswith("overlays/dev/") for name in changed - {f"argocd/{layout.MANIFEST}"})
    assert not any(_sealed(name) and not name.endswith(layout.MANIFEST) for name in changed)
    assert dict(sealer.calls) == calls  # every Secret reused by its ciphertext digest, no key needed


def test_a_new_recipient_rewraps_every_secret_without_re_rendering_one(example_inputs, no_processes):
    world, memory, sealer = memory_world(example_inputs)
    _build(world)
    secrets = sorted(name for name, content in tree_of(memory).items() if b"\nsops:\n" in content)
    sealer._recipients.append("age1second")  # what a new recipient in .sops.yaml means to sops
    memory.write(ROOT / layout.SOPS_CONFIG, memory.read_bytes(ROOT / layout.SOPS_CONFIG) + b"# age1second\n")
    encrypted = sealer.calls["encrypt"]
    _build(world)
    assert sealer.calls["rewrap"] == len(secrets) and sealer.calls["encrypt"] == encrypted
    for name in secrets:
        recipients = [entry["recipient"] for entry in yamlread.load(tree_of(memory)[name])["sops"]["age"]]
        assert recipients == ["age1fake", "age1second"]


NEW_SPEC = (
    b"apiVersion: regc/v1\nkind: Environment\nnamespace: fresh\n"
    b"storage:\n  driver: swift\n  username: reg:swift\n  container: images\n  credentials: generate\n"
    b"radosgw:\n  hosts: [10.0.0.1]\n"
    b"auth:\n  htpasswd:\n    users: [alice]\n    generateMissingPasswords: true\n"
)


def _fresh(seed: int) -> tuple[SecretsFile, list[str], FakeSealer]:
    world, memory, sealer = memory_world({"environments/fresh.yaml": NEW_SPEC, ".sops.yaml": b""}, seed=seed)
    compiler = _build(world)
    target = layout.secrets_display("fresh")
    values = parse_secrets(sealer.decrypt(memory.read_bytes(ROOT / target), target), target)
    generated = compiler.compile(discover_specs(ROOT, memory))
    return values, [u.directory for u in generated.units], sealer


def test_generated_values_come_from_the_injected_random_source_and_clock(no_processes):
    first, units, _ = _fresh(seed=1)
    again, _, _ = _fresh(seed=1)
    other, _, _ = _fresh(seed=2)
    assert units == ["base", "overlays/fresh"]

    # The same seed, the same secrets: the random source is injected. Private keys are not drawn
    # from it (cryptography takes them from the OS: a key from a seeded source would be weak).
    def drawn(values: SecretsFile) -> dict:
        return {k: v for k, v in values.plain().items() if k not in ("ca", "tls")}

    assert drawn(first) == drawn(again) and drawn(first)["users"]["alice"]
    assert first.value(("users", "alice")) != other.value(("users", "alice"))
    assert first.value(("swift", "password")) != other.value(("swift", "password"))
    ca = x509.load_pem_x509_certificate((first.value(("ca", "cert")) or "").encode())
    assert ca.not_valid_before_utc <= NOW < ca.not_valid_before_utc + datetime.timedelta(days=1)


def test_the_secrets_file_never_prints_a_value():
    values = SecretsFile.model_validate({"users": {"alice": "hunter2-hunter2"}, "swift": {"password": "sw0rdfish!"}})
    for shown in (repr(values), str(values), f"{values}", repr(values.users)):
        assert "hunter2" not in shown and "sw0rdfish" not in shown
    assert values.value(("users", "alice")) == "hunter2-hunter2"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"users: {alice: 12}\n", "users.alice: must be a string (quote it)"),
        (b"swift: {pasword: x}\n", "swift: unknown key 'pasword' (known: password)"),
        (b"tls: {cert: x}\n", "tls.key: missing"),
        (b"tokens: {}\n", "the top level: unknown key 'tokens'"),
    ],
)
def test_a_broken_secrets_file_names_the_key_never_the_value(document: bytes, message: str):
    with pytest.raises(SpecError) as raised:
        parse_secrets(document, "environments/x.secrets.yaml")
    assert message in str(raised.value) and "x.secrets.yaml" in str(raised.value)


def test_a_missing_password_is_reported_before_anything_is_sealed(no_processes):
    spec = NEW_SPEC.replace(b"    generateMissingPasswords: true\n", b"")
    world, memory, sealer = memory_world({"environments/fresh.yaml": spec, ".sops.yaml": b""})
    with pytest.raises(SpecError, match="alice"):
        _build(world)
    assert sealer.calls["encrypt"] == 0 and tree_of(memory) == {}


@pytest.mark.parametrize("example", [spec.stem for spec in EXAMPLE_SPECS])
def test_each_example_alone_compiles_to_its_committed_overlay(example_inputs, example: str, no_processes):
    world, _, _ = memory_world(example_inputs)
    compiler = Compiler(world, may_decrypt=True)
    compiled = compiler.compile([ROOT / layout.ENVIRONMENTS / f"{example}.yaml"])
    [overlay] = [u for u in compiled.units if u.directory == layout.overlay_directory(example)]
    committed = {
        name.removeprefix(f"{overlay.directory}/"): content
        for name, content in tree_bytes(REPO).items()
        if name.startswith(f"{overlay.directory}/")
    }
    assert sorted(overlay.files) == sorted(committed)
    assert [n for n in committed if overlay.files[n] != committed[n] and not _sealed(n)] == []


KEPT_SPEC = (
    b"apiVersion: regc/v1\nkind: Environment\nnamespace: kept\n"
    b"auth:\n  htpasswd:\n    users: [alice, bob]\n    bcryptCost: 5\n"
)


def _kept_world(hashes: dict[str, str], spec: bytes = KEPT_SPEC):
    sealer = FakeSealer(["age1fake"])
    target = layout.secrets_display("kept")
    secrets = {"users": {"bob": "bob-password-1"}, "hashes": hashes}
    files = {
        "environments/kept.yaml": spec,
        ".sops.yaml": b"",
        target: sealer.encrypt(_dumped(secrets), target),
    }
    return memory_world(files)


def _dumped(document: dict) -> bytes:
    from regc import yamltext

    return yamltext.dump(document).encode()


def test_a_user_kept_by_hash_keeps_that_line_and_the_others_are_hashed(no_processes):
    import base64

    import bcrypt

    old = bcrypt.hashpw(b"alice-old-password", bcrypt.gensalt(5, prefix=b"2b")).decode().replace("$2b$", "$2y$", 1)
    world, memory, sealer = _kept_world({"alice": old})
    _build(world)
    path = "overlays/kept/secret-registry-htpasswd.yaml"
    secret = yamlread.load(sealer.decrypt(memory.read_bytes(ROOT / path), path))
    lines = base64.b64decode(secret["data"]["htpasswd"]).decode().splitlines()
    assert lines[0] == f"alice:{old}"  # as it came: the old password still logs in
    assert bcrypt.checkpw(b"alice-old-password", lines[0].split(":", 1)[1].replace("$2y$", "$2b$", 1).encode())
    assert bcrypt.checkpw(b"bob-password-1", lines[1].split(":", 1)[1].replace("$2y$", "$2b$", 1).encode())


def test_a_kept_hash_must_be_bcrypt_and_cannot_make_a_pull_secret(no_processes):
    world, memory, _ = _kept_world({"alice": "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="})
    with pytest.raises(SpecError, match=r"hashes\.alice: not a bcrypt hash"):
        _build(world)
    pulling = KEPT_SPEC + b"pullSecrets:\n  user: alice\n  namespaces: [apps]\n"
    old = "$2y$05$" + "a" * 53
    world, memory, _ = _kept_world({"alice": old}, pulling)
    with pytest.raises(SpecError, match="only the htpasswd hash of the pull user is kept"):
        _build(world)
    assert tree_of(memory) == {}
