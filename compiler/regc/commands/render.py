"""An overlay's manifests as the cluster receives them: built by kustomize, Secrets decrypted in memory."""

from __future__ import annotations

import sys
from pathlib import Path

from regc import layout, yamlread, yamltext
from regc.commands.inputs import spec_path
from regc.compiler import Compiler, disk_world
from regc.errors import RegcError
from regc.tools import sops
from regc.tools.kubectl import render_overlay
from regc.world import World


def cluster_manifests(root: Path, name: str) -> str:
    """The YAML stream of overlays/NAME with every SOPS-encrypted object decrypted, for
    `kubectl apply`. Refuses an overlay that is not what its spec compiles to (build first). The
    plaintext exists only in this process's memory and the returned text."""
    spec = layout.spec_path(root, name)
    directory = layout.overlay_directory(name)
    overlay = root / directory
    compiler = Compiler(disk_world(root))
    stale = [
        change
        for change in compiler.changes(compiler.compile([spec]), prune=False)
        if change.changed and change.unit.directory == directory
    ]
    if stale or not (overlay / layout.KUSTOMIZATION).is_file():
        shown = spec.relative_to(root).as_posix()
        raise RegcError(
            f"{directory} is not what {shown} compiles to",
            f"run `regc build {shown}` first (render prints the compiled tree)",
        )
    documents = []
    for obj in render_overlay(overlay):
        if "sops" in obj:
            plain = yamlread.load(
                sops.decrypt_stream(
                    yamltext.dump(obj).encode(), root=root, subject=f"{obj['kind']}/{obj['metadata']['name']}"
                )
            )
            obj = {**{key: plain[key] for key in ("apiVersion", "kind", "metadata") if key in plain}, **plain}
        documents.append(yamltext.dump(obj))
    return "---\n".join(documents)


def run(world: World, env: str) -> int:
    """kustomize reads the overlay on disk: this command needs the repository there."""
    spec_path(world, env)
    sys.stdout.write(cluster_manifests(world.root, env))
    return 0
