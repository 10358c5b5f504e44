"""An overlay's manifests as the cluster receives them: built by kustomize, Secrets decrypted in memory."""

from __future__ import annotations

from pathlib import Path

from regc.errors import RegcError


def cluster_manifests(root: Path, name: str) -> str:
    """The YAML stream of overlays/NAME with every SOPS-encrypted object decrypted, for
    `kubectl apply`. Refuses an overlay that is not what its spec compiles to (build first). The
    plaintext exists only in this process's memory and the returned text."""
    from regc import yamltext
    from regc.build import compile_tree, plan_changes
    from regc.tools import sops
    from regc.tools.kubectl import render_overlay

    spec = root / "environments" / f"{name}.yaml"
    overlay = root / "overlays" / name
    compiled = compile_tree([spec], root)
    stale = [
        change
        for change in plan_changes(root, compiled, prune=False)
        if change.changed and change.unit.directory == f"overlays/{name}"
    ]
    if stale or not (overlay / "kustomization.yaml").is_file():
        raise RegcError(
            f"overlays/{name} is not what environments/{name}.yaml compiles to",
            f"run `regc build environments/{name}.yaml` first (render prints the compiled tree)",
        )
    documents = []
    for obj in render_overlay(overlay):
        if "sops" in obj:
            from regc import yamlread

            plain = yamlread.load(
                sops.decrypt_stream(
                    yamltext.dump(obj).encode(), root=root, subject=f"{obj['kind']}/{obj['metadata']['name']}"
                )
            )
            obj = {**{key: plain[key] for key in ("apiVersion", "kind", "metadata") if key in plain}, **plain}
        documents.append(yamltext.dump(obj))
    return "---\n".join(documents)
