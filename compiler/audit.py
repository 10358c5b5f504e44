"""Audit the compiled tree: a Secret that is not SOPS-encrypted must never be committed."""

from __future__ import annotations

from pathlib import Path

TREE_FOLDERS = ("base", "overlays")


def audit_tree(root: Path) -> list[str]:
    """One message per file in base/ or overlays/ that holds a Secret in clear."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    failures = []
    for folder in TREE_FOLDERS:
        for path in sorted((root / folder).rglob("*.y*ml")) if (root / folder).is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if "Secret" not in text:
                continue
            relative = path.relative_to(root).as_posix()
            try:
                documents = [d for d in yaml.load_all(text) if isinstance(d, dict)]
            except YAMLError:
                failures.append(f"unreadable: {relative} is not valid YAML")
                continue
            for document in documents:
                if document.get("kind") == "Secret" and "sops" not in document:
                    # Name the file only: its content may be the very secret that leaked.
                    failures.append(f"in clear: {relative} holds a Secret that is not SOPS-encrypted")
    return failures
