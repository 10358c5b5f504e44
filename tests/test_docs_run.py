"""Docs that run: every shell block of the getting-started tutorial is executed in order in an empty
temporary folder (with the real regc, sops, age, git and kubectl), and each output the page shows
after a block (the diagram included) is compared with what the block printed. The how-to guides run
the same way in the end-to-end suite (`tests/e2e/test_docs_howto.py`), against a real API server."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO
from tests.docs_runner import run_page, steps

TUTORIAL = REPO / "docs" / "tutorial" / "getting-started.md"


def test_every_tutorial_block_runs_and_prints_what_the_page_shows(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY")} | {
        "HOME": str(home),
        "GIT_AUTHOR_NAME": "You",
        "GIT_AUTHOR_EMAIL": "you@example.com",
        "GIT_COMMITTER_NAME": "You",
        "GIT_COMMITTER_EMAIL": "you@example.com",
    }
    assert len(steps(TUTORIAL.read_text(encoding="utf-8"))) >= 7
    end = run_page(TUTORIAL, tmp_path, env)
    assert (end / "overlays" / "dev" / "kustomization.yaml").is_file()
