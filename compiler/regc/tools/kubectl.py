"""The real `kubectl kustomize`: an overlay as the cluster will receive it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from regc import layout, yamlread, yamltext
from regc.errors import ToolError


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize DIRECTORY` prints."""

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise ToolError("kubectl is not installed", "install kubectl (it embeds kustomize)")
    done = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ToolError(f"kubectl kustomize {directory} failed: {done.stderr.strip()[-500:]}")
    return [d for d in yamlread.load_all(done.stdout) if isinstance(d, dict)]


def render_overlay(directory: Path) -> list[dict[str, Any]]:
    """The objects of an overlay. A KSOPS layout (Argo CD) is built as the KSOPS plugin would, but
    without decrypting: its generator's files become plain resources of a temporary copy."""
    kustomization = yamlread.load((directory / layout.KUSTOMIZATION).read_text()) or {}
    generators = kustomization.get("generators") or []
    ksops = [g for g in generators if _is_ksops(directory / g)]
    if not ksops:
        return kustomize(directory)
    root = directory.parent.parent
    with tempfile.TemporaryDirectory(prefix="regc-render-") as scratch:
        copy = Path(scratch) / directory.relative_to(root)
        shutil.copytree(root / layout.BASE, Path(scratch) / layout.BASE)
        shutil.copytree(directory, copy)
        files = [f for g in ksops for f in (yamlread.load((directory / g).read_text()) or {}).get("files", [])]
        kustomization["generators"] = [g for g in generators if g not in ksops] or None
        kustomization["resources"] = [*kustomization.get("resources", []), *files]

        (copy / layout.KUSTOMIZATION).write_text(
            yamltext.dump({k: v for k, v in kustomization.items() if v is not None})
        )
        return kustomize(copy)


def _is_ksops(path: Path) -> bool:
    try:
        document = yamlread.load(path.read_text()) or {}
    except OSError:
        return False
    return document.get("kind") == "ksops"
