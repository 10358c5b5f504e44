"""The checks a reviewer expects: ruff's lint and format over the code and the tests, and mypy in
strict mode (with pydantic's plugin) over the code; the settings are in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import REPO

PATHS = ["compiler", "tests", "bench"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    ruff = shutil.which("ruff") or f"{sys.prefix}/bin/ruff"
    return subprocess.run([ruff, *args, *PATHS], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_ruff_lint_is_clean():
    done = _ruff("check", "--output-format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = _ruff("format", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean():
    mypy = shutil.which("mypy") or f"{sys.prefix}/bin/mypy"
    done = subprocess.run([mypy], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
