"""The checks a reviewer expects: ruff's lint and format over the code and the tests, and mypy in
strict mode (with pydantic's plugin) over the code; the settings are in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from tests.conftest import REPO

pytestmark = pytest.mark.contract  # ruff, mypy and pre-commit over the repository

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


def test_the_contributors_hooks_run_these_checks():
    """.pre-commit-config.yaml runs what this module runs, on the same folders (checked by hand
    with the real pre-commit: it passes on main and fails on a file ruff would reformat)."""
    config = YAML(typ="safe", pure=True).load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    folders = " ".join(PATHS)
    assert hooks == {
        "ruff-check": f"ruff check {folders}",
        "ruff-format": f"ruff format --check {folders}",
        "mypy": "mypy",
    }
