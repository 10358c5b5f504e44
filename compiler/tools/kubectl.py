"""The real `kubectl kustomize`: an overlay as the cluster will receive it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from regc.errors import ToolError


def kustomize(directory: Path) -> list[dict]:
    """The objects `kubectl kustomize DIRECTORY` prints."""
    from regc import yamlread

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise ToolError("kubectl is not installed", "install kubectl (it embeds kustomize)")
    done = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ToolError(f"kubectl kustomize {directory} failed: {done.stderr.strip()[-500:]}")
    return [d for d in yamlread.load_all(done.stdout) if isinstance(d, dict)]
