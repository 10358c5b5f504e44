"""No plaintext at rest: after real builds, no file written anywhere and no output holds a secret."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.secrets_helpers import decrypt_file

KNOWN_PASSWORD = "correct horse battery staple 42"


def _run(args: list[str], cwd: Path, env: dict, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "regc", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _needles(secrets: dict) -> set[str]:
    """Every secret, as it is and base64-encoded, and a distinctive line of each private key."""
    values = [*secrets["users"].values(), secrets["httpSecret"], secrets["digestKey"]]
    for section in ("ca", "tls"):
        body = [line for line in secrets[section]["key"].splitlines() if line and "PRIVATE KEY" not in line]
        values.extend(body)
    needles = set(values)
    needles.update(base64.b64encode(v.encode()).decode()[:24] for v in values if len(v) >= 12)
    return {n for n in needles if len(n) >= 12}


def test_no_file_and_no_output_holds_a_secret(tmp_path: Path):
    root, scratch = tmp_path / "repo", tmp_path / "tmp"
    scratch.mkdir()
    (root / "environments").mkdir(parents=True)
    shutil.copy(REPO / ".sops.yaml", root / ".sops.yaml")
    shutil.copy(REPO / "environments" / "prod.yaml", root / "environments" / "prod.yaml")
    env = {**os.environ, "TMPDIR": str(scratch)}
    output = _run(["build"], root, env)  # generates http secret, CA, certificate, ci-pull's password
    output += _run(["user", "add", "prod", "alice", "--password-stdin"], root, env, stdin=KNOWN_PASSWORD + "\n")
    output += _run(["build"], root, env)
    output += _run(["user", "passwd", "prod", "ci-pull", "--password-stdin"], root, env, stdin=KNOWN_PASSWORD + "!\n")
    output += _run(["build"], root, env)
    output += _run(["build", "--diff"], root, env) + _run(["check"], root, env)

    secrets = decrypt_file(root / "environments" / "prod.secrets.yaml")
    assert secrets["users"]["alice"] == KNOWN_PASSWORD
    needles = _needles(secrets)
    assert len(needles) > 10
    leaks = []
    for folder in (root, scratch):
        for path in folder.rglob("*"):
            if path.is_file():
                content = path.read_text(encoding="utf-8", errors="replace")
                leaks += [f"{path}: {n[:6]}…" for n in needles if n in content]
                if "PRIVATE KEY-----" in content or "AGE-SECRET-KEY-1" in content:
                    leaks.append(f"{path}: private key block")
    leaks += [f"output: {n[:6]}…" for n in needles if n in output]
    assert leaks == []
    assert not list(scratch.iterdir()), "regc left files in the temporary directory"
