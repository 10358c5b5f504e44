"""Reuse of committed Secrets by digest: without a key when the encrypted inputs are byte-identical
(the ciphertext digest), with the key when the values are (the keyed digest), so that a rebuild
re-encrypts nothing whose values did not change."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from regc import yamlread
from regc.plan.plan import Plan
from regc.secrets.digests import ciphertext_digest, keyed_digest
from regc.secrets.products import Kind, Product
from regc.secrets.sections import KeyPath

if TYPE_CHECKING:
    from regc.secrets.document import SecretsFile

State = dict[str, Any]  # the overlay's .regc-secrets.yaml: {"secrets": {file: digests}, "certificate": ...}


def without_key(
    plan: Plan,
    items: list[Product],
    leaves: dict[KeyPath, str],
    recipients: list[str],
    state: State,
    old: dict[str, bytes],
    now: datetime.datetime,
) -> dict[str, bytes]:
    """The committed files whose encrypted inputs, public inputs and recipients are as recorded."""
    reused = {}
    for item in items:
        digest = ciphertext_digest(item.public, [leaves.get(i) for i in item.inputs], recipients)
        recorded = state["secrets"].get(item.file, {}).get("ciphertext")
        if digest and item.file in old and recorded == digest and not renewal_due(plan, item, state, now):
            reused[item.file] = old[item.file]
    return reused


def renewal_due(plan: Plan, item: Product, state: State, now: datetime.datetime) -> bool:
    """A generated server certificate that has entered its renewal window."""
    if item.kind is not Kind.TLS or plan.spec.tls.certificate != "generate":
        return False
    ends = (state.get("certificate") or {}).get("notAfter")
    if not ends:
        return True
    window = datetime.timedelta(days=plan.spec.tls.renew_before_days)
    return datetime.datetime.fromisoformat(ends) - window <= now


def digests(item: Product, values: SecretsFile, leaves: dict[KeyPath, str], recipients: list[str]) -> dict[str, Any]:
    """What the state records for a product made from `values`: the ciphertext digest, the keyed
    digest and, for htpasswd, one keyed digest per user."""
    key = values.value(("digestKey",)) or ""
    state: dict[str, Any] = {
        "ciphertext": ciphertext_digest(item.public, [leaves.get(i) for i in item.inputs], recipients),
        "keyed": keyed_digest(key, item.public, [values.value(i) for i in item.inputs]),
    }
    if item.kind is Kind.HTPASSWD:
        state["users"] = {
            u: keyed_digest(key, {"cost": item.public["cost"]}, [u, values.value(("users", u))])
            for u in item.public["users"]
        }
    return state


def unchanged_users(item: Product, recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The htpasswd users whose password and cost are as when the committed file was made."""
    old, new = recorded.get("users", {}), current.get("users", {})
    return [u for u in item.public["users"] if old.get(u) == new.get(u)]


def committed_recipients(ciphertext: bytes) -> list[str]:
    """The age recipients a committed SOPS file is encrypted for."""
    document = yamlread.load(ciphertext) or {}
    return sorted(entry.get("recipient", "") for entry in (document.get("sops") or {}).get("age") or [])
