"""Audit the compiled tree: a Secret that is not SOPS-encrypted must never be committed."""

from __future__ import annotations

from pathlib import Path

from regc import yamlread

TREE_FOLDERS = ("base", "overlays")


def audit_tree(root: Path) -> list[str]:
    """One message per file in base/ or overlays/ that holds a Secret in clear, and per encrypted
    file (compiled or input) that no recipient of the current .sops.yaml can open."""
    from ruamel.yaml.error import YAMLError

    failures = []
    for folder in TREE_FOLDERS:
        for path in sorted((root / folder).rglob("*.y*ml")) if (root / folder).is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if "Secret" not in text:
                continue
            relative = path.relative_to(root).as_posix()
            try:
                documents = [d for d in yamlread.load_all(text) if isinstance(d, dict)]
            except YAMLError:
                failures.append(f"unreadable: {relative} is not valid YAML")
                continue
            for document in documents:
                if document.get("kind") == "Secret" and "sops" not in document:
                    # Name the file only: its content may be the very secret that leaked.
                    failures.append(f"in clear: {relative} holds a Secret that is not SOPS-encrypted")
    failures.extend(_recipient_failures(root))
    failures.extend(_gitops_failures(root))
    return failures


def _gitops_failures(root: Path) -> list[str]:
    """GitOps objects must point at a path that exists, with a revision; an Argo CD overlay must
    not list an encrypted Secret under `resources:` (Argo CD would apply it still encrypted)."""
    failures = []
    overlays = root / "overlays"
    for overlay in sorted(overlays.iterdir()) if overlays.is_dir() else []:
        for path in sorted((overlay / "gitops").glob("*.yaml")):
            relative = path.relative_to(root).as_posix()
            document = yamlread.load(path.read_text()) or {}
            spec = document.get("spec") or {}
            if document.get("kind") == "Application":
                source = spec.get("source") or {}
                target, revision = source.get("path"), source.get("targetRevision")
            elif document.get("kind") == "Kustomization":
                target, revision = (spec.get("path") or "").removeprefix("./"), "(from its GitRepository)"
            elif document.get("kind") == "GitRepository":
                target, revision = None, (spec.get("ref") or {}).get("branch") or (spec.get("ref") or {}).get("tag")
            else:
                continue
            if target is not None and not (root / target / "kustomization.yaml").is_file():
                failures.append(f"gitops: {relative} points at {target}, which holds no kustomization.yaml")
            if not revision:
                failures.append(f"gitops: {relative} names no revision")
            if document.get("kind") == "Application":
                kustomization = yamlread.load((overlay / "kustomization.yaml").read_text()) or {}
                for resource in kustomization.get("resources") or []:
                    candidate = overlay / resource
                    if candidate.is_file() and "\nsops:" in candidate.read_text():
                        failures.append(f"gitops: {overlay.relative_to(root).as_posix()}/kustomization.yaml lists "
                                        f"the encrypted {resource} under resources: Argo CD would apply it "
                                        "encrypted; list it in the KSOPS generator")
    return failures


def _recipient_failures(root: Path) -> list[str]:
    from regc.sopsconfig import read_recipients

    current = set(read_recipients(root))
    candidates = [p for folder in (*TREE_FOLDERS, "environments") if (root / folder).is_dir()
                  for p in sorted((root / folder).rglob("*.yaml"))]
    failures = []
    for path in candidates:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\nsops:" not in text:
            continue
        document = yamlread.load(text) or {}
        recipients = {entry.get("recipient") for entry in (document.get("sops") or {}).get("age") or []}
        if not recipients & current:
            failures.append(f"no current recipient: {path.relative_to(root).as_posix()} is encrypted to none "
                            "of the age recipients in .sops.yaml (run `regc build`, or `sops updatekeys` "
                            "for a secrets file)")
    return failures
