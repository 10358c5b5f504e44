"""Runs a documentation page: its shell blocks in order, in one folder, and each output the page
shows after a block (```text, or ```mermaid for a diagram) compared with what the block printed.
An install line (`pip install ...`) is the one step not run: the tests run the regc under test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

FENCE = re.compile(r"```(sh|text|mermaid)\n(.*?)```", re.S)


def steps(page: str) -> list[tuple[str, str | None]]:
    """(commands, the output shown after them or None), in page order."""
    found: list[tuple[str, str | None]] = []
    for kind, body in FENCE.findall(page):
        if kind == "sh":
            found.append((body, None))
        elif found and found[-1][1] is None:
            found[-1] = (found[-1][0], body)
    return found


def _pattern(shown: str) -> re.Pattern[str]:
    """A shown line as a pattern: `...` and the reader's home folder stand for anything."""
    text = re.escape(shown.strip()).replace(re.escape("..."), ".*").replace(re.escape("/home/you"), ".*")
    return re.compile(f"^{text}$")


def run_page(page: Path, cwd: Path, env: dict[str, str]) -> Path:
    """Run every block of `page` from `cwd`; the folder the last block ended in."""
    found = steps(page.read_text(encoding="utf-8"))
    assert found, f"{page.name}: no shell block"
    state = cwd / ".docs-cwd"
    for commands, shown in found:
        lines = [line for line in commands.splitlines() if not line.startswith("pip install")]
        script = f"set -e -o pipefail\ncd {cwd}\n" + "\n".join(lines) + f"\npwd > {state}\n"
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{page.name}: {commands}\n{done.stdout}{done.stderr}"
        cwd = Path(state.read_text().strip())
        if shown is None:
            continue
        printed = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        expected = [line for line in shown.splitlines() if line.strip()]
        assert len(printed) == len(expected), f"{page.name}: {commands}: printed\n" + "\n".join(printed)
        for line in expected:
            assert any(_pattern(line).match(p) for p in printed), (
                f"{page.name}: {commands}: {line!r} not in\n" + "\n".join(printed)
            )
    return cwd
