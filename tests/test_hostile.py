"""Broken and hostile input: every command fails with a message and an exit code a person can act on,
never a traceback, never half a change, never a secret regenerated unasked, and never a path outside
the repository's own folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_console, run_regc, tree_bytes, without_key
from tests.memory import MemoryRepo
from tests.secrets_helpers import decrypt_file


def inputs_and_tree(root: Path) -> dict[str, bytes]:
    files = tree_bytes(root)
    for path in sorted((root / "environments").iterdir()):
        files[f"environments/{path.name}"] = path.read_bytes() if path.is_file() else b"<folder>"
    files[".sops.yaml"] = (root / ".sops.yaml").read_bytes()
    return files


def recipient(tmp_path: Path) -> str:
    key = tmp_path / "other.agekey"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    return subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True).stdout.strip()


COMMANDS = {
    "build": ["build"],
    "build-one": ["build", "environments/prod.yaml"],
    "check": ["check"],
    "render": ["render", "prod"],
    "rgw-commands": ["rgw-commands", "prod", "--reveal"],
    "user-add": ["user", "add", "prod", "zed", "--generate"],
    "user-passwd": ["user", "passwd", "prod", "alice", "--generate"],
    "user-remove": ["user", "remove", "prod", "ci-pull"],
    "keys-add": ["keys", "add", "RECIPIENT"],
    "secrets-edit": ["secrets", "edit", "prod"],
}
FAULTS = ["missing-key", "missing-sops", "broken-spec", "broken-secrets", "broken-sops-config"]


@pytest.mark.parametrize("fault", FAULTS)
def test_every_command_fails_cleanly_and_changes_nothing(built: Path, tmp_path: Path, monkeypatch, fault: str):
    password = decrypt_file(built / "environments" / "prod.secrets.yaml")["users"]["alice"]
    other = recipient(tmp_path)
    if fault == "missing-key":
        without_key(monkeypatch)
    elif fault == "missing-sops":
        monkeypatch.setenv("REGC_SOPS", str(tmp_path / "no-such-sops"))
    elif fault == "broken-spec":
        spec = built / "environments" / "prod.yaml"
        spec.write_text(spec.read_text() + "registry: [\n")
    elif fault == "broken-secrets":
        (built / "environments" / "prod.secrets.yaml").write_text("users: {{{\n")
    else:
        (built / ".sops.yaml").write_text("creation_rules: [\n")
    monkeypatch.setenv("EDITOR", "true")
    # Two faults go through the real console script (a fresh process each), the rest in process.
    run = run_console if fault in ("missing-sops", "broken-spec") else run_regc
    for name, args in COMMANDS.items():
        before = inputs_and_tree(built)
        result = run(*[other if a == "RECIPIENT" else a for a in args], cwd=built)
        output = result.stdout + result.stderr
        assert "Traceback" not in output, (name, output[-2000:])
        assert result.code in (0, 1, 2, 3), (name, result.code, output[-500:])
        if name != "rgw-commands":
            assert password not in output, name
        if result.code:
            assert output.strip(), name  # it says why
            assert inputs_and_tree(built) == before, f"{name} failed ({result.code}) but changed files"
        if fault == "missing-sops" and result.code and name not in ("check", "build", "build-one"):
            assert result.code == 3 and "sops" in result.stderr, (name, output)
        if fault == "broken-spec" and name in ("build", "build-one", "user-add", "user-remove", "render"):
            assert result.code == 2 and re.search(r"environments/prod\.yaml:\d+:\d+: ", result.stderr), (name, output)
        if fault in ("broken-secrets", "broken-sops-config") and name in ("build", "check"):
            assert result.code == 2 and re.search(
                r"(prod\.secrets|\.sops)\.yaml:\d+:\d+: not valid YAML", result.stderr
            ), (name, output)


def test_a_missing_secrets_file_is_not_silently_regenerated(built_memory: MemoryRepo):
    secrets = "environments/prod.secrets.yaml"
    kept = built_memory.read(secrets)
    built_memory.remove(secrets)
    before = built_memory.tree()
    refused = built_memory.run("build")
    assert refused.code == 2
    assert "environments/prod.secrets.yaml is missing, but overlays/prod/ holds Secrets made from it" in refused.stderr
    assert "--regenerate-secrets" in refused.stderr
    assert built_memory.tree() == before and not built_memory.exists(secrets)
    rotated = built_memory.run("build", "--regenerate-secrets")
    assert rotated.code == 0, rotated.stderr
    assert "generated in environments/prod.secrets.yaml: the HTTP secret, a password for alice" in rotated.stderr
    assert "a CA, a server certificate" in rotated.stderr
    assert built_memory.read(secrets) != kept


def test_a_refused_build_writes_no_secrets_file(memory: MemoryRepo):
    memory.write_spec(
        "fresh", "namespace: fresh\nauth:\n  htpasswd:\n    users: [a]\n    generateMissingPasswords: true\n"
    )
    memory.write("overlays/fresh/kustomization.yaml", "# mine\n")
    result = memory.run("build", "environments/fresh.yaml")
    assert result.code == 1 and "was not written by regc" in result.stderr
    assert not memory.exists("environments/fresh.secrets.yaml")


@pytest.mark.parametrize(
    "journal",
    [
        [["../outside-src", "../outside-dst", ".regc-staging/0.old"]],
        [[".regc-staging/0", "../outside", ".regc-staging/0.old"]],
        [[".regc-staging/0", "environments", ".regc-staging/0.old"]],
        [[".regc-staging/0", "environments/dev.yaml", ".regc-staging/0.old"]],
        [[".regc-staging/0", "overlays/prod/../../outside-dst", ".regc-staging/0.old"]],
        [[".regc-staging/0", "overlays/prod/./x.yaml", ".regc-staging/0.old"]],
        "not json at all",
        {"a": 1},
    ],
)
def test_the_journal_moves_nothing_outside_regc_folders(built: Path, tmp_path: Path, journal):
    outside = built.parent / "outside-src"
    outside.mkdir(exist_ok=True)
    (outside / "precious").write_text("keep me\n")
    (built / ".regc-journal").write_text(journal if isinstance(journal, str) else json.dumps(journal))
    (built / "environments" / "dev.yaml").write_text((built / "environments" / "dev.yaml").read_text() + "\n# x\n")
    result = run_regc("build", cwd=built)
    assert result.code == 1 and ".regc-journal lists paths that are not regc's own folders" in result.stderr
    assert "Traceback" not in result.stderr
    assert (outside / "precious").read_text() == "keep me\n"
    assert not (built.parent / "outside-dst").exists()
    assert (built / "environments" / "dev.yaml").is_file()


def test_a_journal_never_renames_through_a_symlinked_folder(built: Path):
    """A file swap renames through the folders above its target: a journal naming a file under a
    symlink in a unit (to environments/ here) is refused, and nothing moves."""
    patches = built / "overlays" / "prod" / "patches"
    shutil.rmtree(patches)
    patches.symlink_to(built / "environments")
    staging = built / ".regc-staging"
    staging.mkdir()
    (staging / "0").write_text("planted\n")
    before = (built / "environments" / "dev.yaml").read_bytes()
    (built / ".regc-journal").write_text(
        json.dumps([[".regc-staging/0", "overlays/prod/patches/dev.yaml", ".regc-staging/0.old"]])
    )
    result = run_regc("build", cwd=built)
    assert result.code == 1 and ".regc-journal lists paths that are not regc's own folders" in result.stderr
    assert (built / "environments" / "dev.yaml").read_bytes() == before


def test_a_symlinked_staging_folder_is_never_followed(built: Path, tmp_path: Path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "precious").write_text("keep me\n")
    os.symlink(target, built / ".regc-staging")
    spec = built / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace("logLevel: debug", "logLevel: info"))
    result = run_regc("build", cwd=built)
    assert result.code == 0, result.stderr
    assert (target / "precious").read_text() == "keep me\n" and sorted(p.name for p in target.iterdir()) == ["precious"]


@pytest.mark.parametrize(
    "args",
    [
        ["build", "../evil.yaml"],
        ["build", "environments/../../evil.yaml"],
        ["secrets", "edit", "../base/evil"],
        ["user", "add", "../../escape", "alice", "--generate"],
        ["init", "../x"],
        ["render", "../prod"],
        ["rgw-commands", "../prod"],
    ],
)
def test_names_are_never_paths(built: Path, args: list[str]):
    (built.parent / "evil.yaml").write_text("apiVersion: regc/v1\nkind: Environment\nnamespace: evil\n")
    before = inputs_and_tree(built)
    result = run_regc(*args, cwd=built)
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert inputs_and_tree(built) == before
    assert not (built / "overlays" / "evil").exists() and not (built / "base" / "evil.secrets.yaml").exists()


def test_half_done_commands_do_not_exist(built: Path, monkeypatch):
    spec = built / "environments" / "prod.yaml"
    before = inputs_and_tree(built)
    without_key(monkeypatch)
    assert run_regc("user", "remove", "prod", "ci-pull", cwd=built).code == 3
    assert run_regc("user", "add", "prod", "zed", "--generate", cwd=built).code == 3
    assert inputs_and_tree(built) == before
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(Path(__file__).parent / "fixtures" / "age" / "test-only.agekey"))
    spec.write_text(spec.read_text() + "registry: [\n")
    broken = inputs_and_tree(built)
    result = run_regc("user", "add", "prod", "zed", "--generate", cwd=built)
    assert result.code == 2 and "shown once" not in result.stdout
    assert inputs_and_tree(built) == broken  # no password stored for a user the spec cannot list


@pytest.mark.parametrize(
    "body, message",
    [
        ("registry:\n  replicas: true\n", "registry.replicas: must be a valid integer, not True"),
        ("registry:\n  replicas: 99999999999\n", "registry.replicas: must be less than or equal to 2147483647"),
        ("gitops:\n  revision: 1.10\n", "quote it to mean the text"),
        ("extras:\n  env: {GOMAXPROCS: 2}\n", "extras.env.GOMAXPROCS: must be a valid string, not 2"),
        ("namespace: " + "x" * 100_000 + "\n", "(100002 characters) is not a DNS label"),
    ],
)
def test_values_mean_what_they_say(memory: MemoryRepo, body: str, message: str):
    memory.write_spec("odd", body if body.startswith("namespace") else "namespace: odd\n" + body)
    result = memory.run("build", "environments/odd.yaml")
    assert result.code == 2 and message in result.stderr, result.stderr[:600]
    assert len(result.stderr) < 2000  # a huge value is cut, its location kept
    assert re.search(r"environments/odd\.yaml:\d+:\d+: ", result.stderr)


@pytest.mark.parametrize(
    "content, location, message",
    [
        (b"apiVersion: regc/v1\nkind: Environment\nnamespace: ab\x00cd\n", "3:14", "U+0000 is not allowed"),
        (b"apiVersion: regc/v1\nkind: Environment\nnamespace: caf\xe9\n", "3:15", "not UTF-8 text"),
    ],
)
def test_bytes_that_are_not_text_are_located(memory: MemoryRepo, content: bytes, location: str, message: str):
    memory.memory.write(memory.root / "environments" / "odd.yaml", content)
    result = memory.run("build", "environments/odd.yaml")
    assert result.code == 2 and f"environments/odd.yaml:{location}: " in result.stderr and message in result.stderr


def test_a_folder_named_like_a_spec(built_memory: MemoryRepo):
    built_memory.write("environments/x.yaml/notes.txt", "a folder\n")
    result = built_memory.run("build")
    assert result.code == 2 and "environments/x.yaml: not a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_without_git_says_git_is_missing(built: Path, tmp_path: Path):
    import shutil
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("kubectl",):
        os.symlink(shutil.which(tool), bin_dir / tool)
    done = subprocess.run(
        [sys.executable, "-m", "regc", "diff"],
        cwd=built,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(bin_dir)},
        timeout=60,
    )
    assert done.returncode == 3 and "git is not installed" in done.stderr


def test_secrets_edit_without_a_key_is_a_missing_key_not_sops_status(built: Path, monkeypatch):
    monkeypatch.setenv("EDITOR", "true")
    without_key(monkeypatch)
    result = run_regc("secrets", "edit", "prod", cwd=built)
    assert result.code == 3 and "cannot decrypt: no age key here can open it" in result.stderr


def test_a_build_and_user_commands_at_once_do_not_interleave(built: Path):
    """Both take the build lock and write through unique scratch names: every run succeeds, and the
    secrets file ends up holding every user that was added."""
    import sys

    def regc(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "regc", *args], cwd=built, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    running = [regc("user", "add", "prod", f"u{i}", "--generate") for i in range(3)]
    running += [regc("build"), regc("user", "passwd", "prod", "alice", "--generate")]
    for process in running:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    users = decrypt_file(built / "environments" / "prod.secrets.yaml")["users"]
    assert {"u0", "u1", "u2", "alice"} <= set(users)
    assert not list((built / "environments").glob(".*regc-tmp*"))
    assert run_regc("build", cwd=built).code == 0


NESTED = "registry: " + "[" * 5000 + "]" * 5000 + "\n"  # the 101st level opens at 1:110
YAML_1_1 = "%YAML 1.1\n---\npersistence:\n  enabled: yes\n"


@pytest.mark.parametrize(
    "content, located",
    [
        (NESTED, "values.yaml:1:110: nested deeper than 100 levels"),
        (YAML_1_1, "values.yaml:1:1: a %YAML 1.1 directive: regc reads YAML 1.2 only"),
    ],
    ids=["nested", "yaml-1.1"],
)
def test_helm_values_regc_does_not_read_are_refused_located(repo: Path, content: str, located: str):
    (repo / "values.yaml").write_text(content)
    result = run_regc(
        "import", "helm-values", "values.yaml", "--name", "imported", "--chart-version", "2.2.2", cwd=repo
    )
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith(located) and len(result.stderr.splitlines()) <= 2, result.stderr[:500]
    assert not (repo / "environments" / "imported.yaml").exists()


@pytest.mark.parametrize(
    "content, location",
    [
        ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "1:103"),  # ruamel's C loader overflows the C stack
        ("apiVersion: v1\nkind: ConfigMap\ndata:\n" + "".join(" " * i + "a:\n" for i in range(1, 3000)), "103:101"),
        (YAML_1_1, "1:1"),
    ],
    ids=["flow", "block", "yaml-1.1"],
)
def test_manifests_regc_does_not_read_are_refused_located(repo: Path, content: str, location: str):
    (repo / "k8s.yaml").write_text(content)
    result = run_console("import", "manifests", "k8s.yaml", "--name", "imported", cwd=repo)  # its own process
    assert result.code == 2 and "Traceback" not in result.stderr, (result.code, result.stderr[-500:])
    assert result.stderr.startswith(f"k8s.yaml:{location}: ") and len(result.stderr.splitlines()) <= 2
    assert not (repo / "environments" / "imported.yaml").exists()


@pytest.mark.parametrize(
    "path, content, located",
    [
        ("environments/prod.secrets.yaml", NESTED, "environments/prod.secrets.yaml:1:110: nested deeper than 100"),
        ("environments/prod.secrets.yaml", YAML_1_1, "environments/prod.secrets.yaml:1:1: a %YAML 1.1 directive"),
        (".sops.yaml", "creation_rules: " + "[" * 5000 + "]" * 5000 + "\n", ".sops.yaml:1:116: nested deeper than 100"),
        (".sops.yaml", YAML_1_1, ".sops.yaml:1:1: a %YAML 1.1 directive"),
    ],
    ids=["secrets-nested", "secrets-yaml-1.1", "sops-config-nested", "sops-config-yaml-1.1"],
)
def test_a_secrets_file_or_sops_config_regc_does_not_read_is_refused_located(
    built: Path, path: str, content: str, located: str
):
    (built / path).write_text(content)
    before = inputs_and_tree(built)
    result = run_regc("build", cwd=built)
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith(located) and len(result.stderr.splitlines()) <= 2, result.stderr[:500]
    assert inputs_and_tree(built) == before


def test_half_a_character_is_refused_by_its_path_in_objects_and_secrets_files(repo: Path, built: Path):
    """A `\\uD800` escape is no character: no UTF-8 holds it (Go's readers make it U+FFFD). libyaml's
    parser refuses it where regc reads with it; regc refuses it by path where the round-trip loader
    reads (specs, a chart's values: tests/test_spec_errors.py)."""
    (repo / "k8s.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "a\\ud800"}\n')
    result = run_console("import", "manifests", "k8s.yaml", "--name", "imported", cwd=repo)
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith("k8s.yaml:3:22: ") and "escape" in result.stderr
    (repo / "values.yaml").write_text('image: {tag: "2.8.3\\ud800"}\n')
    args = ("import", "helm-values", "values.yaml", "--name", "imported", "--chart-version", "2.2.2")
    result = run_console(*args, cwd=repo)
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith("values.yaml:1:14: image.tag: a \\u escape that is no character (U+D800")
    secrets = built / "environments" / "prod.secrets.yaml"
    secrets.write_text(secrets.read_text().replace("sops:", 'odd: "\\udfff"\nsops:', 1))
    result = run_regc("build", cwd=built)
    assert result.code == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.stderr.startswith("environments/prod.secrets.yaml:") and "escape" in result.stderr
