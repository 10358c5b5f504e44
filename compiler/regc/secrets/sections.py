"""The secrets file's sections and key paths, and its encrypted leaves read without a key. No
pydantic here: a build that reuses every Secret never loads the decrypted model (regc.secrets.document)."""

from __future__ import annotations

from typing import Any

from regc import yamlread
from regc.errors import RegcError

KeyPath = tuple[str, ...]

# The object store's and the other services' credentials: section -> its keys.
CREDENTIAL_KEYS = {
    "swift": ("password",),
    "s3": ("accessKey", "secretKey"),
    "proxy": ("username", "password"),
    "redis": ("password",),
}
# The order of a new file's sections.
SECTIONS = ("users", "hashes", "httpSecret", "digestKey", "swift", "s3", "proxy", "redis", "notifications", "ca", "tls")


def encrypted_leaves(content: bytes | None, display: str) -> dict[KeyPath, str]:
    """Every encrypted leaf of a SOPS file (`ENC[...]` strings) by its key path; no key needed.
    {} when there is no file (`content` None)."""
    if content is None:
        return {}

    hint = "restore it from git (`git checkout -- FILE`), or edit it only through `regc secrets edit`"
    data = yamlread.load_text(content, display, hint) or {}
    if not isinstance(data, dict) or "sops" not in data:
        raise RegcError(
            f"{display}: not a SOPS-encrypted file",
            "a secrets file must never be committed in clear: encrypt it with "
            "`sops encrypt -i FILE` and rotate what it held",
        )
    leaves: dict[KeyPath, str] = {}

    def walk(node: Any, prefix: KeyPath) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*prefix, str(key)))
        elif isinstance(node, str):
            leaves[prefix] = node

    walk({k: v for k, v in data.items() if k != "sops"}, ())
    return leaves
