"""Digests that tell whether a Secret's inputs changed: one over ciphertext (needs no key) and
one keyed over plaintext (a bare digest of a password would be a guessable fingerprint)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def ciphertext_digest(public: dict[str, Any], ciphertexts: list[str | None], recipients: list[str]) -> str | None:
    """Digest of the public inputs, the encrypted inputs as committed, and the recipients;
    None when an input is not in the secrets file yet."""
    if any(c is None for c in ciphertexts):
        return None
    document = {"public": public, "ciphertexts": ciphertexts, "recipients": sorted(recipients)}
    return "sha256:" + hashlib.sha256(_canonical(document)).hexdigest()


def keyed_digest(key: str, public: dict[str, Any], plaintexts: list[str | None]) -> str:
    document = {"public": public, "plaintexts": plaintexts}
    return "hmac-sha256:" + hmac.new(key.encode("utf-8"), _canonical(document), hashlib.sha256).hexdigest()


def file_digest(contents: list[bytes]) -> str:
    """Digest of committed files (ciphertext), for states recorded before keyed digests."""
    digest = hashlib.sha256()
    for content in contents:
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def values_digest(keyed: list[str]) -> str:
    """Digest of keyed digests: the pod annotation that rolls pods when a value they read changes."""
    return hashlib.sha256(_canonical(keyed)).hexdigest()
