"""Argo CD's repo-server render of an overlay with the KSOPS layout, run as the repo-server runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

from tests.cluster.apiserver import tool
from tests.conftest import TEST_KEY


def repo_server_build(overlay: Path, work: Path) -> list[dict]:
    """`kustomize build` exactly as Argo CD's repo-server runs it with KSOPS installed."""
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "ksops").exists():
        os.symlink(tool("ksops"), bin_dir / "ksops")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "SOPS_AGE_KEY_FILE": str(TEST_KEY), "HOME": str(work)}
    done = subprocess.run(
        [str(tool("kustomize")), "build", "--enable-alpha-plugins", "--enable-exec", str(overlay)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [o for o in YAML(typ="safe", pure=True).load_all(done.stdout) if o]
