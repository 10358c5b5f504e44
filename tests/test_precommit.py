"""The pre-commit hooks this repository offers (.pre-commit-hooks.yaml), run by the real pre-commit
in a fresh user repository whose `.pre-commit-config.yaml` names this repository at a revision, as a
user's does (pre-commit installs regc from it once, in its own environment, and reuses it):
`regc-check` passes on an up-to-date tree and fails, naming the spec, on a stale one; `regc-build`
rebuilds the tree and fails so that the rebuilt files get staged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, REPO, TEST_KEY, run_regc

PRE_COMMIT = shutil.which("pre-commit") or f"{sys.prefix}/bin/pre-commit"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@regc.invalid", *args], cwd=cwd, check=True, capture_output=True
    )


def _hook(hook: str, user: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PRE_COMMIT, "run", hook, "--all-files"], cwd=user, env=env, capture_output=True, text=True, timeout=600
    )


def _this_repository_at_a_revision(tmp_path: Path) -> tuple[Path, str]:
    """This repository's files as they are (uncommitted changes included, as `pre-commit try-repo`
    takes them), committed once in a repository of their own: what a user's config names."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    copy = tmp_path / "regc"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    _git("init", "-q", "-b", "main", cwd=copy)
    _git("add", "-A", cwd=copy)
    _git("commit", "-q", "-m", "regc as it is", cwd=copy)
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=copy, check=True, capture_output=True, text=True)
    return copy, revision.stdout.strip()


def test_the_hooks_check_and_build_a_users_repository(tmp_path: Path, monkeypatch):
    user = tmp_path / "registry-gitops"
    shutil.copytree(EXAMPLES, user / "environments")
    shutil.copy(REPO / ".sops.yaml", user / ".sops.yaml")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
    assert run_regc("build", cwd=user).code == 0
    (user / ".regc.lock").unlink(missing_ok=True)
    regc, revision = _this_repository_at_a_revision(tmp_path)
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {regc}\n    rev: {revision}\n    hooks:\n      - id: regc-check\n      - id: regc-build\n"
    )
    _git("init", "-q", "-b", "main", cwd=user)
    _git("add", "-A", cwd=user)
    _git("commit", "-q", "-m", "the compiled tree", cwd=user)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "SOPS_AGE_KEY_FILE": str(TEST_KEY),
    }
    up_to_date = _hook("regc-check", user, env)
    assert up_to_date.returncode == 0, up_to_date.stdout[-3000:] + up_to_date.stderr[-2000:]
    assert "Passed" in up_to_date.stdout

    spec = user / "environments" / "dev.yaml"
    spec.write_text(spec.read_text().replace("  size: 5Gi\n", "  size: 6Gi\n"))
    stale = _hook("regc-check", user, env)
    assert stale.returncode == 1, stale.stdout[-3000:]
    assert "run `regc build environments/dev.yaml` and commit" in stale.stdout

    rebuilt = _hook("regc-build", user, env)
    assert rebuilt.returncode == 1  # it changed files: pre-commit fails so that they get staged
    assert "files were modified by this hook" in rebuilt.stdout
    assert (
        "storage: 6Gi"
        in (user / "overlays" / "dev" / "patches" / "persistentvolumeclaim-registry-data.yaml").read_text()
    )
    assert _hook("regc-check", user, env).returncode == 0
