"""`.sops.yaml`: the creation rules regc writes and keeps, and the recipients they name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regc import yamlread, yamltext
from regc.errors import RegcError
from regc.layout import SOPS_CONFIG

TREE_RULE = r"^(base|overlays)/.*\.yaml$"
INPUT_RULE = r"^environments/.*\.secrets\.yaml$"
HEADER = (
    "# SOPS creation rules, kept by regc (`regc keys init` adds a recipient).\n"
    "# Compiled Secrets encrypt only data/stringData, so names and labels stay readable in diffs.\n"
)


def read_recipients(root: Path) -> list[str]:
    """The age recipients of the compiled tree's rule; [] when there is no .sops.yaml."""
    rules = _rules(root)
    for rule in rules:
        if rule.get("path_regex") == TREE_RULE:
            return _split(rule.get("age", ""))
    return []


def no_recipients(root: Path) -> RegcError:
    return RegcError(
        f"no age recipient for the compiled tree in {root / SOPS_CONFIG}",
        "run `regc keys init` to create a key and add its recipient",
    )


def config_text(root: Path, recipients: list[str]) -> str:
    """.sops.yaml with regc's two rules for `recipients`, and the other rules the user added."""
    joined = ",".join(sorted(set(recipients)))
    ours = [
        {"path_regex": TREE_RULE, "encrypted_regex": "^(data|stringData)$", "mac_only_encrypted": True, "age": joined},
        {"path_regex": INPUT_RULE, "age": joined},
    ]
    others = [r for r in _rules(root) if r.get("path_regex") not in (TREE_RULE, INPUT_RULE)]
    return HEADER + yamltext.dump({"creation_rules": ours + others})


def _rules(root: Path) -> list[dict[str, Any]]:
    path = root / SOPS_CONFIG
    if not path.is_file():
        return []

    data = (
        yamlread.load_file(
            path, SOPS_CONFIG, "fix the YAML, or restore it from git; `regc keys init` writes regc's rules"
        )
        or {}
    )
    rules = data.get("creation_rules", []) if isinstance(data, dict) else []
    return [r for r in rules if isinstance(r, dict)]


def _split(value: object) -> list[str]:
    if isinstance(value, list):
        return sorted(str(v).strip() for v in value if str(v).strip())
    return sorted(part.strip() for part in str(value).split(",") if part.strip())
