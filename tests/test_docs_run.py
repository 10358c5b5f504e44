"""Docs that run: every shell block of the getting-started tutorial is executed in order in an empty
temporary folder (with the real regc, sops, age, git and kubectl), and each output the page shows
after a block is compared with what the block printed. An install line is the one step not run: the
test runs the regc under test."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.conftest import REPO

TUTORIAL = REPO / "docs" / "tutorial" / "getting-started.md"
FENCE = re.compile(r"```(sh|text|mermaid)\n(.*?)```", re.S)


def _steps(page: str) -> list[tuple[str, str | None]]:
    """(commands, the output shown after them or None), in page order."""
    steps: list[tuple[str, str | None]] = []
    for kind, body in FENCE.findall(page):
        if kind == "sh":
            steps.append((body, None))
        elif steps and steps[-1][1] is None:
            steps[-1] = (steps[-1][0], body)
    return steps


def _pattern(shown: str) -> re.Pattern[str]:
    """A shown line as a pattern: `...` and the reader's home folder stand for anything."""
    text = re.escape(shown.strip()).replace(re.escape("..."), ".*").replace(re.escape("/home/you"), ".*")
    return re.compile(f"^{text}$")


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
    steps = _steps(TUTORIAL.read_text(encoding="utf-8"))
    assert len(steps) >= 6
    cwd = tmp_path
    ran = 0
    for commands, shown in steps:
        lines = [line for line in commands.splitlines() if not line.startswith("pip install")]
        state = tmp_path / ".cwd"
        script = f"set -e\ncd {cwd}\n" + "\n".join(lines) + f"\npwd > {state}\n"
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{commands}\n{done.stdout}{done.stderr}"
        cwd = Path(state.read_text().strip())
        ran += 1
        if shown is None:
            continue
        printed = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        expected = [line for line in shown.splitlines() if line.strip()]
        assert len(printed) == len(expected), f"{commands}: printed\n" + "\n".join(printed)
        for line in expected:
            assert any(_pattern(line).match(p) for p in printed), f"{commands}: {line!r} not in\n" + "\n".join(printed)
    assert ran == len(steps)
    assert (cwd / "overlays" / "dev" / "kustomization.yaml").is_file()
