"""The real `git`: the merge base with the default branch, and a temporary worktree at a revision."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regc.errors import RegcError, ToolError


def _git(root: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ToolError("git is not installed")
    done = subprocess.run([git, *args], cwd=root, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RegcError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def default_base(root: Path) -> str:
    """The merge base of HEAD with the default branch (origin's HEAD, else main or master)."""
    for candidate in ("origin/HEAD", "origin/main", "origin/master", "main", "master"):
        try:
            _git(root, "rev-parse", "--verify", "--quiet", candidate)
        except ToolError:
            raise  # git missing: say so, not "no default branch"
        except RegcError:
            continue
        return _git(root, "merge-base", "HEAD", candidate)
    raise RegcError("no default branch to compare with", "pass --against REV (a commit, branch or tag)")


@contextmanager
def worktree(root: Path, revision: str) -> Iterator[Path]:
    """A detached, temporary worktree of `revision`, removed afterwards."""
    top = Path(_git(root, "rev-parse", "--show-toplevel"))
    commit = _git(root, "rev-parse", "--verify", f"{revision}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix="regc-diff-"))
    target = folder / "tree"
    _git(top, "worktree", "add", "--detach", "--quiet", str(target), commit)
    try:
        yield target / Path(root).resolve().relative_to(top.resolve())
    finally:
        _git(top, "worktree", "remove", "--force", str(target))
        shutil.rmtree(folder, ignore_errors=True)
