"""`regc graph`: an environment's topology as a Mermaid diagram, read from its compiled overlay."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from regc import layout
from regc.commands.inputs import checked
from regc.envspec.fields import check_dns_label
from regc.errors import RegcError
from regc.files import write_atomic
from regc.tools.kubectl import render_overlay
from regc.topology import mermaid, topology, with_removed
from regc.world import World


def engine_of(overlay: Path) -> str | None:
    """What syncs an overlay, from the files regc wrote for the engine."""
    if (overlay / layout.MEMBER_FILE).is_file():
        return "Argo CD ApplicationSet"
    if (overlay / layout.GITOPS_FOLDER / layout.APPLICATION_FILE).is_file():
        return "Argo CD Application"
    if (overlay / layout.GITOPS_FOLDER / layout.FLUX_KUSTOMIZATION_FILE).is_file():
        return "Flux Kustomization"
    return None


def overlay_graph(root: Path, name: str) -> str:
    """The Mermaid flowchart of overlays/NAME as kustomize renders it."""
    overlay = root / layout.overlay_directory(name)
    if not (overlay / layout.KUSTOMIZATION).is_file():
        raise RegcError(
            f"no compiled overlay {layout.overlay_directory(name)}",
            f"run `regc build {layout.ENVIRONMENTS}/{name}{layout.SPEC_SUFFIX}` first",
        )
    return mermaid(topology(render_overlay(overlay), engine_of(overlay)))


def change_graph(before: dict[str, Any], after: dict[str, Any], marks: dict[str, str], engine: str | None) -> str:
    """The diagram of an overlay after a change, with what it adds, removes or changes marked
    (`before`/`after`: the rendered objects by identity; `marks`: kind/name -> status)."""
    graph = with_removed(topology(list(after.values()), engine), topology(list(before.values()), engine))
    return mermaid(graph, marks)


def run(world: World, env: str, output: Path | None) -> int:
    """kustomize reads the overlay on disk: this command needs the repository there."""
    checked(check_dns_label, env)
    text = overlay_graph(world.root, env)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text.encode())
    return 0
