"""The pre-commit hooks this repository offers (.pre-commit-hooks.yaml), run by the real pre-commit
(`try-repo`, which installs regc from this repository as a user's pre-commit would) in a fresh
user repository: `regc-check` passes on an up-to-date tree and fails, naming the spec, on a stale
one; `regc-build` rebuilds the tree and fails so that the rebuilt files get staged."""

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
        [PRE_COMMIT, "try-repo", str(REPO), hook, "--all-files"],
        cwd=user, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_hooks_check_and_build_a_users_repository(tmp_path: Path, monkeypatch):
    user = tmp_path / "registry-gitops"
    shutil.copytree(EXAMPLES, user / "environments")
    shutil.copy(REPO / ".sops.yaml", user / ".sops.yaml")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(TEST_KEY))
    assert run_regc("build", cwd=user).code == 0
    (user / ".regc.lock").unlink(missing_ok=True)
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
