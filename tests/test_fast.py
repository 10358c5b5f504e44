"""The no-op fast path: taken only when every recorded digest holds, and then it imports nothing heavy."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

from regc.cache import all_fresh
from tests.conftest import run_console

NOW = datetime.datetime.now(datetime.UTC)


def test_a_no_op_build_imports_no_typer_pydantic_or_ruamel(built: Path):
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "regc", "build", "--check"],
        cwd=built,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout == "up to date: 6 environment(s)\n"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "regc" in imported
    assert not imported & {"typer", "click", "pydantic", "ruamel", "cryptography", "passlib", "bcrypt"}


def test_fast_and_full_paths_print_the_same(built: Path):
    full = [sys.executable, "-c", "import sys; from regc import cli; sys.exit(cli.run(sys.argv[1:]))"]
    for args in (["build"], ["build", "--check"], ["build", "environments/prod.yaml"], ["build", "-v"]):
        fast = subprocess.run([sys.executable, "-m", "regc", *args], cwd=built, capture_output=True, text=True)
        slow = subprocess.run([*full, *args], cwd=built, capture_output=True, text=True)
        assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout), args


@pytest.mark.parametrize(
    "change", ["spec", "secrets", "sops-config", "generated-file", "missing-file", "orphan", "journal"]
)
def test_any_change_leaves_the_fast_path(built: Path, change: str):
    assert all_fresh(built, None, NOW) is not None
    if change == "spec":
        path = built / "environments" / "dev.yaml"
        path.write_text(path.read_text() + "\n# a comment is a change of input too\n")
    elif change == "secrets":
        path = built / "environments" / "prod.secrets.yaml"
        path.write_text(path.read_text().replace("lastmodified", "lastmodified", 1) + "\n")
    elif change == "sops-config":
        (built / ".sops.yaml").write_text((built / ".sops.yaml").read_text() + "\n")
    elif change == "generated-file":
        path = built / "overlays" / "prod" / "namespace.yaml"
        path.write_text(path.read_text() + "# edited by hand\n")
    elif change == "missing-file":
        (built / "base" / "service-registry.yaml").unlink()
    elif change == "orphan":
        (built / "environments" / "staging.yaml").unlink()
    elif change == "journal":
        (built / ".regc-journal").write_text("[]")
    assert all_fresh(built, None, NOW) is None


def test_a_certificate_due_for_renewal_leaves_the_fast_path(built: Path):
    manifest = (built / "overlays" / "prod" / ".regc-manifest").read_text()
    renew_by = datetime.datetime.fromisoformat(manifest.split("# renew_by: ", 1)[1].split("\n", 1)[0])
    assert all_fresh(built, None, renew_by - datetime.timedelta(minutes=1)) is not None
    assert all_fresh(built, None, renew_by) is None


def test_a_hand_edit_is_still_reported_by_check(built: Path):
    path = built / "overlays" / "prod" / "namespace.yaml"
    path.write_text(path.read_text() + "# edited by hand\n")
    result = run_console("build", "--check", cwd=built)
    assert result.code == 1 and "stale: overlays/prod/namespace.yaml" in result.stderr


def test_the_build_that_generates_secrets_is_followed_by_a_no_op(repo: Path):
    """Generated values are stored in the secrets file during the build: the manifest must record the
    file as it is afterwards, or the next build would rewrite the manifest."""
    assert run_console("build", cwd=repo).code == 0
    assert all_fresh(repo, None, NOW) is not None


def test_a_second_no_op_reads_no_generated_file_and_still_sees_an_edit(built: Path, monkeypatch):
    """The stat cache (regc.statcache, in .git): a no-op hashes only files whose stat changed;
    `--check` (exact) reads them all."""
    from regc import statcache

    (built / ".git").mkdir()
    monkeypatch.setattr(statcache, "RACY_SECONDS", 0)  # the files were written just now
    assert all_fresh(built, None, NOW) is not None
    assert (built / ".git" / "regc" / "stat-cache.json").is_file()
    reads: list[Path] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert all_fresh(built, None, NOW) is not None
    generated = [p for p in reads if p.parent.parent.name == "overlays" and p.name != ".regc-manifest"]
    assert generated == []
    assert all_fresh(built, None, NOW, exact=True) is not None
    assert any(p.parent.parent.name == "overlays" and p.name == "namespace.yaml" for p in reads)  # read
    path = built / "overlays" / "prod" / "namespace.yaml"
    path.write_bytes(real(path).replace(b"kube-registry", b"kube-registrx"))  # same size, other bytes
    assert all_fresh(built, None, NOW) is None
